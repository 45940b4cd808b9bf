"""Configuration: one typed place, read once from ``catalogue.toml`` and passed down.

Where the file is: ``--config PATH``, else ``$CATALOGUE_CONFIG``, else
``./catalogue.toml``. Relative paths inside it resolve against the file's folder,
so a config can be moved together with its data.
"""

from __future__ import annotations

import os
import re
import tomllib
from dataclasses import dataclass, field, fields
from datetime import timedelta
from pathlib import Path
from typing import Any, Literal

PROFILES = ("dcat-ap-3",)
POLICIES = ("reject", "warn")
KINDS = ("rdf", "fdp", "ldes", "sparql")
NAME_PATTERN = re.compile(r"^[a-z0-9][a-z0-9_-]{0,39}$")


class ConfigError(ValueError):
    """A configuration problem, phrased as: file, key, what is wrong."""

    def __init__(self, path: Path | str, key: str, problem: str) -> None:
        self.path, self.key, self.problem = str(path), key, problem
        super().__init__(f"{path}: {key}: {problem}")


@dataclass(frozen=True)
class Source:
    name: str
    title: str
    url: str
    country: str = ""
    profile: str = "dcat-ap-3"
    policy: Literal["reject", "warn"] = "reject"
    #: how the source publishes: one of KINDS
    kind: str = "rdf"
    #: harvest this often when `catalogue serve` runs (None: only on demand)
    interval: timedelta | None = None
    #: a harvest that would withdraw more than this share of the source's datasets stops (unless forced)
    max_withdraw_share: float = 0.5


@dataclass(frozen=True)
class Limits:
    """Protective limits for fetching remote documents."""

    timeout_seconds: float = 30.0
    max_bytes: int = 200 * 1024 * 1024
    #: attempts after the first, on 5xx answers and network errors, waiting backoff_seconds × 2^n
    retries: int = 3
    backoff_seconds: float = 1.0
    #: pages (documents) one harvest of a source may fetch
    max_pages: int = 10_000
    max_redirects: int = 10


@dataclass(frozen=True)
class SparqlLimits:
    """Per-query limits of the public SPARQL endpoint."""

    timeout_seconds: float = 10.0
    max_rows: int = 10_000
    max_triples: int = 100_000
    max_concurrent: int = 4


@dataclass(frozen=True)
class Settings:
    title: str
    base_url: str
    data_dir: Path
    sources: tuple[Source, ...] = ()
    limits: Limits = field(default_factory=Limits)
    sparql: SparqlLimits = field(default_factory=SparqlLimits)
    config_path: Path | None = None

    @property
    def store_dir(self) -> Path:
        return self.data_dir / "store"

    @property
    def index_dir(self) -> Path:
        return self.data_dir / "index"

    def source(self, name: str) -> Source:
        for source in self.sources:
            if source.name == name:
                return source
        raise KeyError(name)


def locate_config(explicit: str | Path | None = None) -> Path:
    """The config file to read, by the documented order of precedence."""
    if explicit:
        return Path(explicit)
    if env := os.environ.get("CATALOGUE_CONFIG"):
        return Path(env)
    return Path("catalogue.toml")


def load_settings(path: Path) -> Settings:
    if not path.is_file():
        raise ConfigError(path, "(file)", "no such file; pass --config PATH or set CATALOGUE_CONFIG")
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
        raise ConfigError(path, "(syntax)", str(error)) from error
    return parse_settings(raw, path)


def parse_settings(raw: dict[str, Any], path: Path) -> Settings:
    """Check and convert the parsed TOML; every problem names its key."""
    folder = path.resolve().parent
    _only_keys(raw, {"catalogue", "sources", "limits", "sparql"}, path, "")
    section = raw.get("catalogue", {})
    _expect(isinstance(section, dict), path, "catalogue", "must be a table: [catalogue]")
    _only_keys(section, {"title", "base_url", "data_dir"}, path, "catalogue.")
    title = _string(section, "title", path, "catalogue.", default="Dataset catalogue")
    base_url = _string(section, "base_url", path, "catalogue.", default="http://127.0.0.1:8000")
    _expect(
        re.match(r"^https?://[^\s/]+", base_url) is not None,
        path,
        "catalogue.base_url",
        f"must be an http(s) URL, got {base_url!r}",
    )
    data_dir = folder / _string(section, "data_dir", path, "catalogue.", default="./data")

    sources_raw = raw.get("sources", [])
    _expect(isinstance(sources_raw, list), path, "sources", "must be an array of tables: [[sources]]")
    sources = tuple(_source(item, i, path, folder) for i, item in enumerate(sources_raw))
    names = [s.name for s in sources]
    for name in names:
        _expect(names.count(name) == 1, path, "sources.name", f"{name!r} is used more than once")

    limits_raw = raw.get("limits", {})
    _only_keys(limits_raw, {f.name for f in fields(Limits)}, path, "limits.")
    limits = Limits(
        timeout_seconds=float(_number(limits_raw, "timeout_seconds", path, Limits.timeout_seconds)),
        max_bytes=int(_number(limits_raw, "max_bytes", path, Limits.max_bytes)),
        retries=int(_number(limits_raw, "retries", path, Limits.retries, zero=True)),
        backoff_seconds=float(
            _number(limits_raw, "backoff_seconds", path, Limits.backoff_seconds, zero=True)
        ),
        max_pages=int(_number(limits_raw, "max_pages", path, Limits.max_pages)),
        max_redirects=int(_number(limits_raw, "max_redirects", path, Limits.max_redirects, zero=True)),
    )
    sparql_raw = raw.get("sparql", {})
    _only_keys(sparql_raw, {"timeout_seconds", "max_rows", "max_triples", "max_concurrent"}, path, "sparql.")
    defaults = SparqlLimits()
    sparql = SparqlLimits(
        timeout_seconds=float(
            _number(sparql_raw, "timeout_seconds", path, defaults.timeout_seconds, "sparql.")
        ),
        max_rows=int(_number(sparql_raw, "max_rows", path, defaults.max_rows, "sparql.")),
        max_triples=int(_number(sparql_raw, "max_triples", path, defaults.max_triples, "sparql.")),
        max_concurrent=int(_number(sparql_raw, "max_concurrent", path, defaults.max_concurrent, "sparql.")),
    )
    return Settings(
        title=title,
        base_url=base_url.rstrip("/"),
        data_dir=data_dir,
        sources=sources,
        limits=limits,
        sparql=sparql,
        config_path=path.resolve(),
    )


def _source(item: Any, index: int, path: Path, folder: Path) -> Source:
    prefix = f"sources[{index}]."
    _expect(isinstance(item, dict), path, f"sources[{index}]", "must be a table")
    allowed = {
        "name",
        "title",
        "country",
        "url",
        "profile",
        "policy",
        "kind",
        "interval",
        "max_withdraw_share",
    }
    _only_keys(item, allowed, path, prefix)
    name = _string(item, "name", path, prefix)
    _expect(
        NAME_PATTERN.match(name) is not None,
        path,
        prefix + "name",
        f"{name!r} must be lower-case letters, digits, '-' or '_' (used in URLs)",
    )
    profile = _string(item, "profile", path, prefix, default="dcat-ap-3")
    _expect(profile in PROFILES, path, prefix + "profile", f"{profile!r} is not one of {PROFILES}")
    policy = _string(item, "policy", path, prefix, default="reject")
    _expect(policy in POLICIES, path, prefix + "policy", f"{policy!r} is not one of {POLICIES}")
    kind = _string(item, "kind", path, prefix, default="rdf")
    _expect(kind in KINDS, path, prefix + "kind", f"{kind!r} is not one of {KINDS}")
    interval = None
    if "interval" in item:
        interval = parse_interval(_string(item, "interval", path, prefix))
        _expect(interval is not None, path, prefix + "interval", 'must be like "30m", "6h" or "7d"')
    share = float(_number(item, "max_withdraw_share", path, 0.5, prefix))
    _expect(share <= 1, path, prefix + "max_withdraw_share", "must be a share between 0 and 1")
    return Source(
        name=name,
        title=_string(item, "title", path, prefix, default=name),
        url=_resolve_url(_string(item, "url", path, prefix), folder),
        country=_string(item, "country", path, prefix, default="").upper(),
        profile=profile,
        policy=policy,  # type: ignore[arg-type]
        kind=kind,
        interval=interval,
        max_withdraw_share=share,
    )


def parse_interval(text: str) -> timedelta | None:
    """ "90s", "30m", "6h", "7d" → a timedelta; None when it is not one of those."""
    match = re.fullmatch(r"\s*(\d+)\s*([smhd])\s*", text)
    if match is None or int(match[1]) == 0:
        return None
    unit = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days"}[match[2]]
    return timedelta(**{unit: int(match[1])})


def _resolve_url(url: str, folder: Path) -> str:
    """http(s) and file URLs stay as they are; a plain path resolves against the config."""
    if re.match(r"^[a-zA-Z][a-zA-Z0-9+.-]*://", url):
        return url
    return str((folder / url).resolve())


def _string(table: dict, key: str, path: Path, prefix: str, default: str | None = None) -> str:
    if key not in table:
        _expect(default is not None, path, prefix + key, "is required")
        return default  # type: ignore[return-value]
    value = table[key]
    _expect(isinstance(value, str) and value.strip() != "", path, prefix + key, "must be a non-empty string")
    return value.strip()


def _number(
    table: dict, key: str, path: Path, default: float, prefix: str = "limits.", zero: bool = False
) -> float:
    value = table.get(key, default)
    _expect(
        isinstance(value, int | float) and not isinstance(value, bool) and (value > 0 or zero and value == 0),
        path,
        prefix + key,
        "must be zero or a positive number" if zero else "must be a positive number",
    )
    return value


def _only_keys(table: dict, allowed: set[str], path: Path, prefix: str) -> None:
    for key in table:
        _expect(key in allowed, path, prefix + key, f"unknown key (expected one of {sorted(allowed)})")


def _expect(condition: bool, path: Path, key: str, problem: str) -> None:
    if not condition:
        raise ConfigError(path, key, problem)
