"""Configuration: one typed place, read once from ``catalogue.toml`` and passed down.

Where the file is: ``--config PATH``, else ``$CATALOGUE_CONFIG``, else
``./catalogue.toml``. Relative paths inside it resolve against the file's folder,
so a config can be moved together with its data.
"""

from __future__ import annotations

import ipaddress
import os
import re
import tomllib
from dataclasses import dataclass, field, fields
from datetime import timedelta
from pathlib import Path
from typing import Any, Literal

from catalogue.validation.profiles import BUILT_IN, Profile

POLICIES = ("reject", "warn")
#: how sources publish; "push" sources are never harvested: their node pushes with a token
KINDS = ("rdf", "fdp", "ldes", "sparql", "push")
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
    #: how the source publishes: one of KINDS ("push": no url, only pushed records)
    kind: str = "rdf"
    #: harvest this often when `catalogue serve` runs (None: only on demand)
    interval: timedelta | None = None
    #: a harvest that would withdraw more than this share of the source's datasets stops (unless forced)
    max_withdraw_share: float = 0.5
    #: IRI prefixes of the datasets this node owns besides its url's host (see catalogue/claims.py)
    namespaces: tuple[str, ...] = ()
    #: hosts besides the url's own whose links (next pages, tree nodes) may be followed, on public addresses
    follow_hosts: tuple[str, ...] = ()
    #: dereference the concept IRIs its records link to at harvest (also needs [concepts] resolve)
    resolve_concepts: bool = True


@dataclass(frozen=True)
class ConceptSettings:
    """The ``[concepts]`` table: following concept IRIs we do not ship at harvest (catalogue/concepts).

    Off unless the operator turns it on: it sends requests to hosts the nodes name.
    """

    resolve: bool = False
    #: addresses or networks ("127.0.0.1", "10.1.0.0/16") fetched although not public: for tests and
    #: closed networks only; every other address must be a public one
    allow_hosts: tuple[str, ...] = ()
    #: skos:broader steps followed from a concept a record links to
    max_depth: int = 3
    #: requests one harvest may send, in all and to one host
    max_requests: int = 500
    max_requests_per_host: int = 100
    #: all of one harvest's concept requests together
    max_seconds: float = 120.0
    #: one concept document, and one request
    max_bytes: int = 1_000_000
    timeout_seconds: float = 5.0
    #: how long an answer without caching headers (and a failure) stays fresh
    default_max_age_seconds: float = 7 * 86400.0
    #: concepts kept on disk (the least recently fetched go first)
    max_cached: int = 100_000


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
    #: one harvest of a source, from its first request to its last validation
    harvest_timeout_seconds: float = 3600.0


@dataclass(frozen=True)
class SparqlLimits:
    """Per-query limits of the public SPARQL endpoint."""

    timeout_seconds: float = 10.0
    max_rows: int = 10_000
    max_triples: int = 100_000
    max_concurrent: int = 4
    max_queue: int = 16
    max_memory_mb: int = 2048
    max_query_bytes: int = 262_144


@dataclass(frozen=True)
class WebLimits:
    """What one anonymous visitor can make the website do (the ``[web]`` table)."""

    #: the largest request body outside the validation service and pushes (SPARQL queries, forms)
    max_body_bytes: int = 1024 * 1024
    #: validations running at once, and waiting for a place; more are answered 503 with Retry-After
    validations: int = 2
    validations_waiting: int = 8
    #: a validation not answered by then (waiting included) gets 503; its work still finishes
    validation_seconds: float = 120.0
    #: how long the quality dashboards' figures are reused (they are also recomputed after each harvest)
    quality_cache_seconds: float = 60.0
    #: processes serving web requests (``catalogue serve --workers``): one writes, the others only read
    workers: int = os.cpu_count() or 1


SEARCH_BACKENDS = ("embedded", "elasticsearch")
STORE_BACKENDS = ("embedded", "sparql")


@dataclass(frozen=True)
class StoreSettings:
    """The ``[store]`` table: where the triples SPARQL sees live (the record registry is always local).

    ``embedded``: pyoxigraph in ``data_dir/store``. ``sparql``: a SPARQL 1.1
    server — queries at ``query_url``, SPARQL Update at ``update_url``, the
    Graph Store Protocol at ``graph_store_url``.
    """

    backend: Literal["embedded", "sparql"] = "embedded"
    query_url: str = ""
    update_url: str = ""
    graph_store_url: str = ""
    user: str | None = None
    password: str | None = field(default=None, repr=False)
    auth: Literal["basic", "digest"] = "basic"
    #: per request to the server (a bulk load of 100,000 triples is one request)
    timeout_seconds: float = 300.0
    #: "listed": a query that uses GRAPH names the visible record graphs (SPARQL 1.1 Protocol; Oxigraph);
    #: "all": the server's own named graphs (Virtuoso cannot take thousands of named-graph-uri)
    named_graphs: Literal["listed", "all"] = "listed"


INDEX_PREFIX_PATTERN = re.compile(r"^[a-z0-9][a-z0-9_-]{0,99}$")


@dataclass(frozen=True)
class SearchSettings:
    """The ``[search]`` table: which search backend, and how to reach Elasticsearch."""

    backend: Literal["embedded", "elasticsearch"] = "embedded"
    url: str = ""
    api_key: str | None = field(default=None, repr=False)
    user: str | None = None
    password: str | None = field(default=None, repr=False)
    #: CA certificate (PEM) that signed the cluster's certificate
    ca_certs: Path | None = None
    #: indexes are ``{prefix}-records-…``, searched through the alias ``{prefix}-records``
    index_prefix: str = "catalogue"
    verify_certs: bool = True


@dataclass(frozen=True)
class Settings:
    title: str
    base_url: str
    data_dir: Path
    sources: tuple[Source, ...] = ()
    limits: Limits = field(default_factory=Limits)
    sparql: SparqlLimits = field(default_factory=SparqlLimits)
    config_path: Path | None = None
    #: validation profiles added by the operator ([[profiles]]), beside the built-in ones
    profiles: tuple[Profile, ...] = ()
    search: SearchSettings = field(default_factory=SearchSettings)
    store: StoreSettings = field(default_factory=StoreSettings)
    web: WebLimits = field(default_factory=WebLimits)
    concepts: ConceptSettings = field(default_factory=ConceptSettings)

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
    _only_keys(
        raw,
        {"catalogue", "sources", "limits", "sparql", "profiles", "search", "store", "web", "concepts"},
        path,
        "",
    )
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

    profiles = _profiles(raw.get("profiles", []), path, folder)
    known_profiles = (*BUILT_IN, *(p.name for p in profiles))

    sources_raw = raw.get("sources", [])
    _expect(isinstance(sources_raw, list), path, "sources", "must be an array of tables: [[sources]]")
    sources = tuple(_source(item, i, path, folder, known_profiles) for i, item in enumerate(sources_raw))
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
        harvest_timeout_seconds=float(
            _number(limits_raw, "harvest_timeout_seconds", path, Limits.harvest_timeout_seconds)
        ),
    )
    sparql_raw = raw.get("sparql", {})
    sparql_keys = {"timeout_seconds", "max_rows", "max_triples", "max_concurrent"}
    sparql_keys |= {"max_queue", "max_memory_mb", "max_query_bytes"}
    _only_keys(sparql_raw, sparql_keys, path, "sparql.")
    defaults = SparqlLimits()
    sparql = SparqlLimits(
        timeout_seconds=float(
            _number(sparql_raw, "timeout_seconds", path, defaults.timeout_seconds, "sparql.")
        ),
        max_rows=int(_number(sparql_raw, "max_rows", path, defaults.max_rows, "sparql.")),
        max_triples=int(_number(sparql_raw, "max_triples", path, defaults.max_triples, "sparql.")),
        max_concurrent=int(_number(sparql_raw, "max_concurrent", path, defaults.max_concurrent, "sparql.")),
        max_queue=int(_number(sparql_raw, "max_queue", path, defaults.max_queue, "sparql.", zero=True)),
        max_memory_mb=int(_number(sparql_raw, "max_memory_mb", path, defaults.max_memory_mb, "sparql.")),
        max_query_bytes=int(
            _number(sparql_raw, "max_query_bytes", path, defaults.max_query_bytes, "sparql.")
        ),
    )
    return Settings(
        title=title,
        base_url=base_url.rstrip("/"),
        data_dir=data_dir,
        sources=sources,
        limits=limits,
        sparql=sparql,
        config_path=path.resolve(),
        profiles=profiles,
        search=_search(raw.get("search", {}), path, folder),
        store=_store(raw.get("store", {}), path),
        web=_web(raw.get("web", {}), path),
        concepts=_concepts(raw.get("concepts", {}), path),
    )


def _concepts(raw: Any, path: Path) -> ConceptSettings:
    """The [concepts] table; ``allow_hosts`` takes addresses or networks only, never names."""
    _expect(isinstance(raw, dict), path, "concepts", "must be a table: [concepts]")
    _only_keys(raw, {f.name for f in fields(ConceptSettings)}, path, "concepts.")
    resolve = _flag(raw, "resolve", path, "concepts.", default=False)
    hosts = raw.get("allow_hosts", [])
    _expect(
        isinstance(hosts, list) and all(isinstance(h, str) for h in hosts),
        path,
        "concepts.allow_hosts",
        "must be a list of strings",
    )
    for host in hosts:
        try:
            ipaddress.ip_network(host, strict=False)
        except ValueError:
            raise ConfigError(
                path, "concepts.allow_hosts", f"{host!r} is not an address or network"
            ) from None
    defaults = ConceptSettings()
    numbers = {
        item.name: _number(
            raw, item.name, path, getattr(defaults, item.name), "concepts.", zero=item.name == "max_depth"
        )
        for item in fields(ConceptSettings)
        if item.name not in ("resolve", "allow_hosts")
    }
    return ConceptSettings(
        resolve=resolve,
        allow_hosts=tuple(hosts),
        max_depth=int(numbers["max_depth"]),
        max_requests=int(numbers["max_requests"]),
        max_requests_per_host=int(numbers["max_requests_per_host"]),
        max_seconds=float(numbers["max_seconds"]),
        max_bytes=int(numbers["max_bytes"]),
        timeout_seconds=float(numbers["timeout_seconds"]),
        default_max_age_seconds=float(numbers["default_max_age_seconds"]),
        max_cached=int(numbers["max_cached"]),
    )


def _web(raw: dict[str, Any], path: Path) -> WebLimits:
    """The [web] table: every key a positive number, whole where it counts things."""
    _only_keys(raw, {f.name for f in fields(WebLimits)}, path, "web.")
    values = {}
    for item in fields(WebLimits):
        value = _number(raw, item.name, path, getattr(WebLimits, item.name), "web.")
        is_count = item.type in ("int", int)
        _expect(not is_count or float(value).is_integer(), path, "web." + item.name, "must be a whole number")
        values[item.name] = int(value) if is_count else float(value)
    return WebLimits(**values)


def _profiles(raw: Any, path: Path, folder: Path) -> tuple[Profile, ...]:
    """The [[profiles]] tables: validation profiles of the operator's own shapes files.

    ``shapes`` are paths relative to the config file; ``extends`` names a
    built-in or another configured profile, whose shapes then run too.
    """
    _expect(isinstance(raw, list), path, "profiles", "must be an array of tables: [[profiles]]")
    profiles: list[Profile] = []
    for index, item in enumerate(raw):
        prefix = f"profiles[{index}]."
        _expect(isinstance(item, dict), path, f"profiles[{index}]", "must be a table")
        _only_keys(item, {"name", "title", "extends", "shapes", "spec"}, path, prefix)
        name = _string(item, "name", path, prefix)
        _expect(
            NAME_PATTERN.match(name) is not None,
            path,
            prefix + "name",
            f"{name!r} must be lower-case letters, digits, '-' or '_'",
        )
        _expect(
            name not in BUILT_IN,
            path,
            prefix + "name",
            f"{name!r} is a built-in profile; choose another name",
        )
        _expect(
            all(p.name != name for p in profiles), path, prefix + "name", f"{name!r} is used more than once"
        )
        shapes = item.get("shapes")
        _expect(
            isinstance(shapes, list)
            and len(shapes) > 0
            and all(isinstance(s, str) and s.strip() for s in shapes),
            path,
            prefix + "shapes",
            'must be a non-empty list of paths to shapes files, e.g. ["shapes/ours.ttl"]',
        )
        files = []
        for entry in shapes:
            file = (folder / entry.strip()).resolve()
            _expect(file.is_file(), path, prefix + "shapes", f"{entry!r}: no such file ({file})")
            files.append(str(file))
        spec = _string(item, "spec", path, prefix, default="")
        _expect(
            spec == "" or re.match(r"^https?://\S+$", spec) is not None,
            path,
            prefix + "spec",
            f"must be the http(s) URL of the specification, got {spec!r}",
        )
        profiles.append(
            Profile(
                name=name,
                title=_string(item, "title", path, prefix, default=name),
                spec=spec,
                files=tuple(files),
                extends=_string(item, "extends", path, prefix) if "extends" in item else None,
            )
        )
    names = (*BUILT_IN, *(p.name for p in profiles))
    for index, configured in enumerate(profiles):
        key = f"profiles[{index}].extends"
        if configured.extends is None:
            continue
        _expect(
            configured.extends in names,
            path,
            key,
            f"{configured.extends!r} is not one of the known profiles ({', '.join(names)})",
        )
        seen, current = {configured.name}, configured.extends
        while current is not None and current not in BUILT_IN:
            _expect(
                current not in seen, path, key, f"{configured.name!r} extends itself (through {current!r})"
            )
            seen.add(current)
            current = next(p.extends for p in profiles if p.name == current)
    return tuple(profiles)


def _source(
    item: Any, index: int, path: Path, folder: Path, profiles: tuple[str, ...] = tuple(BUILT_IN)
) -> Source:
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
        "namespaces",
        "follow_hosts",
        "resolve_concepts",
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
    _expect(
        profile in profiles,
        path,
        prefix + "profile",
        f"{profile!r} is not one of the known profiles ({', '.join(profiles)}); add it with [[profiles]]",
    )
    policy = _string(item, "policy", path, prefix, default="reject")
    _expect(policy in POLICIES, path, prefix + "policy", f"{policy!r} is not one of {POLICIES}")
    kind = _string(item, "kind", path, prefix, default="rdf")
    _expect(kind in KINDS, path, prefix + "kind", f"{kind!r} is not one of {KINDS}")
    interval = None
    if "interval" in item:
        interval = parse_interval(_string(item, "interval", path, prefix))
        _expect(interval is not None, path, prefix + "interval", 'must be like "30m", "6h" or "7d"')
    pushed = kind == "push"
    for key in ("url", "interval"):
        _expect(not (pushed and key in item), path, prefix + key, 'a kind = "push" source is never harvested')
    share = float(_number(item, "max_withdraw_share", path, 0.5, prefix))
    _expect(share <= 1, path, prefix + "max_withdraw_share", "must be a share between 0 and 1")
    namespaces = item.get("namespaces", [])
    _expect(
        isinstance(namespaces, list)
        and all(isinstance(n, str) and re.match(r"^https?://[^\s/]+/?", n) for n in namespaces),
        path,
        prefix + "namespaces",
        'must be a list of http(s) IRI prefixes, like ["https://data.example.org/"]',
    )
    hosts = item.get("follow_hosts", [])
    _expect(
        isinstance(hosts, list) and all(isinstance(h, str) and h and "/" not in h for h in hosts),
        path,
        prefix + "follow_hosts",
        'must be a list of host names, like ["cdn.example.org"]',
    )
    return Source(
        name=name,
        title=_string(item, "title", path, prefix, default=name),
        url="" if pushed else _resolve_url(_string(item, "url", path, prefix), folder),
        country=_string(item, "country", path, prefix, default="").upper(),
        profile=profile,
        policy=policy,  # type: ignore[arg-type]
        kind=kind,
        interval=interval,
        max_withdraw_share=share,
        namespaces=tuple(namespaces),
        follow_hosts=tuple(h.strip().lower() for h in hosts),
        resolve_concepts=_flag(item, "resolve_concepts", path, prefix),
    )


def _flag(table: dict, key: str, path: Path, prefix: str, default: bool = True) -> bool:
    value = table.get(key, default)
    _expect(isinstance(value, bool), path, prefix + key, "must be true or false")
    return bool(value)


def _search(raw: Any, path: Path, folder: Path) -> SearchSettings:
    """The [search] table: the search backend and how to reach Elasticsearch.

    Secrets may come from the environment instead of the file (and win over
    it): ``CATALOGUE_ES_API_KEY``, ``CATALOGUE_ES_PASSWORD``.
    """
    _expect(isinstance(raw, dict), path, "search", "must be a table: [search]")
    keys = {"backend", "url", "api_key", "user", "password", "ca_certs", "index_prefix", "verify_certs"}
    _only_keys(raw, keys, path, "search.")
    backend = _string(raw, "backend", path, "search.", default="embedded")
    _expect(
        backend in SEARCH_BACKENDS, path, "search.backend", f"{backend!r} is not one of {SEARCH_BACKENDS}"
    )
    url = _string(raw, "url", path, "search.", default="")
    _expect(
        url == "" or re.match(r"^https?://[^\s/]+", url) is not None,
        path,
        "search.url",
        f"must be an http(s) URL, e.g. https://es.example.org:9200, got {url!r}",
    )
    _expect(
        backend != "elasticsearch" or url != "",
        path,
        "search.url",
        'is required with backend = "elasticsearch"',
    )
    api_key = os.environ.get("CATALOGUE_ES_API_KEY") or (
        _string(raw, "api_key", path, "search.") if "api_key" in raw else None
    )
    user = _string(raw, "user", path, "search.") if "user" in raw else None
    password = os.environ.get("CATALOGUE_ES_PASSWORD") or (
        _string(raw, "password", path, "search.") if "password" in raw else None
    )
    _expect(
        not ("api_key" in raw and "user" in raw),
        path,
        "search.api_key",
        "give either api_key or user and password, not both",
    )
    _expect(
        user is None or password is not None,
        path,
        "search.password",
        "is required with search.user (or set CATALOGUE_ES_PASSWORD)",
    )
    _expect(
        "password" not in raw or user is not None, path, "search.user", "is required with search.password"
    )
    ca_certs = None
    if "ca_certs" in raw:
        ca_certs = (folder / _string(raw, "ca_certs", path, "search.")).resolve()
        _expect(ca_certs.is_file(), path, "search.ca_certs", f"no such file ({ca_certs})")
        _expect(
            url.lower().startswith("https:"),
            path,
            "search.ca_certs",
            "only applies to an https:// search.url",
        )
    prefix = _string(raw, "index_prefix", path, "search.", default="catalogue")
    _expect(
        INDEX_PREFIX_PATTERN.match(prefix) is not None,
        path,
        "search.index_prefix",
        f"{prefix!r} must be lower-case letters, digits, '-' or '_' (an Elasticsearch index name)",
    )
    verify = raw.get("verify_certs", True)
    _expect(isinstance(verify, bool), path, "search.verify_certs", "must be true or false")
    return SearchSettings(
        backend=backend,  # type: ignore[arg-type]
        url=url.rstrip("/"),
        api_key=api_key,
        user=user,
        password=password,
        ca_certs=ca_certs,
        index_prefix=prefix,
        verify_certs=verify,
    )


def _store(raw: Any, path: Path) -> StoreSettings:
    """The [store] table: the triple store backend and how to reach a SPARQL server.

    The user name and password may come from the environment instead (and win
    over the file): ``CATALOGUE_STORE_USER``, ``CATALOGUE_STORE_PASSWORD``.
    """
    _expect(isinstance(raw, dict), path, "store", "must be a table: [store]")
    keys = {f.name for f in fields(StoreSettings)}
    _only_keys(raw, keys, path, "store.")
    backend = _string(raw, "backend", path, "store.", default="embedded")
    _expect(backend in STORE_BACKENDS, path, "store.backend", f"{backend!r} is not one of {STORE_BACKENDS}")
    urls = {}
    for key in ("query_url", "update_url", "graph_store_url"):
        url = _string(raw, key, path, "store.", default="")
        _expect(
            url == "" or re.match(r"^https?://[^\s/]+", url) is not None,
            path,
            "store." + key,
            f"must be an http(s) URL, e.g. http://127.0.0.1:7878/query, got {url!r}",
        )
        _expect(backend != "sparql" or url != "", path, "store." + key, 'is required with backend = "sparql"')
        urls[key] = url
    user = os.environ.get("CATALOGUE_STORE_USER") or (
        _string(raw, "user", path, "store.") if "user" in raw else None
    )
    password = os.environ.get("CATALOGUE_STORE_PASSWORD") or (
        _string(raw, "password", path, "store.") if "password" in raw else None
    )
    _expect(
        user is None or password is not None,
        path,
        "store.password",
        "is required with store.user (or set CATALOGUE_STORE_PASSWORD)",
    )
    _expect(password is None or user is not None, path, "store.user", "is required with store.password")
    auth = _string(raw, "auth", path, "store.", default="basic")
    _expect(auth in ("basic", "digest"), path, "store.auth", f"{auth!r} is not one of ('basic', 'digest')")
    named = _string(raw, "named_graphs", path, "store.", default="listed")
    _expect(
        named in ("listed", "all"), path, "store.named_graphs", f"{named!r} is not one of ('listed', 'all')"
    )
    return StoreSettings(
        backend=backend,  # type: ignore[arg-type]
        user=user,
        password=password,
        auth=auth,  # type: ignore[arg-type]
        timeout_seconds=float(_number(raw, "timeout_seconds", path, StoreSettings.timeout_seconds, "store.")),
        named_graphs=named,  # type: ignore[arg-type]
        **urls,
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
