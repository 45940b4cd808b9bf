"""Configuration: one typed place, read once from ``catalogue.toml`` and passed down.

Where the file is: ``--config PATH``, else ``$CATALOGUE_CONFIG``, else
``./catalogue.toml``. Relative paths inside it resolve against the file's folder,
so a config can be moved together with its data.

Each table of the file is a pydantic model (``extra="forbid"``, strict scalars:
a number is never read from a string, nor a string from a number), so the keys
a table takes are listed once, in its model, and the README's reference is
checked against them (tests/test_config.py). Reading happens in three steps,
each reporting *every* problem it finds at once, phrased as file, key path
(``sources[2].interval``) and problem (:class:`ConfigError`): the tables'
values (:class:`ConfigFile`), then what needs several tables or the file
system (:func:`_cross_checks`), then the assembly of :class:`Settings`.
"""

from __future__ import annotations

import os
import re
import tomllib
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Annotated, Any, Literal, get_args

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    Strict,
    StringConstraints,
    ValidationError,
    model_validator,
)

from catalogue import config_checks as checks
from catalogue.config_checks import (
    Problem,
    at,
    problem_of,
)
from catalogue.errors import CatalogueError
from catalogue.validation.profiles import BUILT_IN, Profile

Policy = Literal["reject", "warn"]
#: how sources publish; "push" sources are never harvested: their node pushes with a token
Kind = Literal["rdf", "fdp", "ldes", "sparql", "push"]
POLICIES: tuple[str, ...] = get_args(Policy)
KINDS: tuple[str, ...] = get_args(Kind)
SEARCH_BACKENDS = ("embedded", "elasticsearch")
STORE_BACKENDS = ("embedded", "sparql")


class ConfigError(CatalogueError, ValueError):
    """Configuration problems, each phrased as: file, key, what is wrong.

    ``problems`` lists them all, in the order of the file; ``key`` and
    ``problem`` are the first one's (most files have one mistake).
    """

    def __init__(self, path: Path | str, key: str, problem: str, more: list[Problem] | None = None) -> None:
        self.path, self.key, self.problem = str(path), key, problem
        self.problems: list[Problem] = [(key, problem), *(more or [])]
        if len(self.problems) == 1:
            message = f"{path}: {key}: {problem}"
        else:
            lines = "".join(f"\n  {where}: {what}" for where, what in self.problems)
            message = f"{path}: {len(self.problems)} problems:{lines}"
        super().__init__(message, source=str(path))

    @classmethod
    def of(cls, path: Path | str, problems: list[Problem]) -> ConfigError:
        (key, problem), *more = problems
        return cls(path, key, problem, more)


Text = Annotated[str, Strict(), StringConstraints(strip_whitespace=True, min_length=1)]
Name = Annotated[Text, AfterValidator(checks.name)]
Url = Annotated[str, Strict(), StringConstraints(strip_whitespace=True), AfterValidator(checks.http_url)]
Positive = Annotated[float, Strict(), Field(gt=0)]
ZeroOrMore = Annotated[float, Strict(), Field(ge=0)]
Count = Annotated[int, Strict(), Field(gt=0)]
CountOrZero = Annotated[int, Strict(), Field(ge=0)]
Flag = Annotated[bool, Strict()]
TABLE = ConfigDict(extra="forbid", frozen=True)


# -- the tables ----------------------------------------------------------------------------------


class CatalogueTable(BaseModel):
    """The ``[catalogue]`` table."""

    model_config = TABLE
    title: Text = "Dataset catalogue"
    base_url: Url = "http://127.0.0.1:8000"
    data_dir: Text = "./data"


class Source(BaseModel):
    """One ``[[sources]]`` table: a national node and how it publishes."""

    model_config = TABLE
    name: Name
    #: how the catalogue shows it (default: its name)
    title: Text = ""
    #: an http(s) or file URL, or a path relative to the config; none for a "push" source
    url: Text = ""
    country: Annotated[Text, AfterValidator(str.upper)] = ""
    #: a built-in validation profile or one of [[profiles]]
    profile: Text = "dcat-ap-3"
    policy: Policy = "reject"
    #: how the source publishes: one of KINDS ("push": no url, only pushed records)
    kind: Kind = "rdf"
    #: harvest this often when `catalogue serve` runs (None: only on demand)
    interval: Annotated[timedelta | None, BeforeValidator(checks.interval)] = None
    #: a harvest that would withdraw more than this share of the source's datasets stops (unless forced)
    max_withdraw_share: Annotated[Positive, AfterValidator(checks.share)] = 0.5
    #: IRI prefixes of the datasets this node owns besides its url's host (see catalogue/claims.py)
    namespaces: tuple[Annotated[Text, AfterValidator(checks.iri_prefix)], ...] = ()
    #: hosts besides the url's own whose links (next pages, tree nodes) may be followed, on public addresses
    follow_hosts: tuple[Annotated[Text, AfterValidator(checks.host)], ...] = ()
    #: dereference the concept IRIs its records link to at harvest (also needs [concepts] resolve)
    resolve_concepts: Flag = True

    @model_validator(mode="before")
    @classmethod
    def _title_defaults_to_name(cls, data: Any) -> Any:
        if isinstance(data, dict) and "title" not in data and isinstance(data.get("name"), str):
            return {**data, "title": data["name"].strip()}
        return data

    @model_validator(mode="after")
    def _url_unless_pushed(self) -> Source:
        given = self.model_fields_set
        if self.kind == "push":
            for key in ("url", "interval"):
                if key in given:
                    raise at(key, 'a kind = "push" source is never harvested')
        elif "url" not in given:
            raise at("url", "is required")
        return self


class Limits(BaseModel):
    """``[limits]``: protective limits for fetching remote documents."""

    model_config = TABLE
    #: per request, the whole answer included
    timeout_seconds: Positive = 30.0
    max_bytes: Count = 200 * 1024 * 1024
    #: attempts after the first, on 5xx answers and network errors, waiting backoff_seconds × 2^n
    retries: CountOrZero = 3
    backoff_seconds: ZeroOrMore = 1.0
    #: pages (documents) one harvest of a source may fetch
    max_pages: Count = 10_000
    max_redirects: CountOrZero = 10
    #: one harvest of a source, from its first request to its last validation
    harvest_timeout_seconds: Positive = 3600.0


class SparqlLimits(BaseModel):
    """``[sparql]``: per-query limits of the public SPARQL endpoint."""

    model_config = TABLE
    timeout_seconds: Positive = 10.0
    max_rows: Count = 10_000
    max_triples: Count = 100_000
    max_concurrent: Count = 4
    max_queue: CountOrZero = 16
    max_memory_mb: Count = 2048
    max_query_bytes: Count = 262_144


class WebLimits(BaseModel):
    """``[web]``: what one anonymous visitor can make the website do."""

    model_config = TABLE
    #: the largest request body outside the validation service and pushes (SPARQL queries, forms)
    max_body_bytes: Count = 1024 * 1024
    #: validations running at once, and waiting for a place; more are answered 503 with Retry-After
    validations: Count = 2
    validations_waiting: Count = 8
    #: a validation not answered by then (waiting included) gets 503; its work still finishes
    validation_seconds: Positive = 120.0
    #: how long the quality dashboards' figures are reused (they are also recomputed after each harvest)
    quality_cache_seconds: Positive = 60.0
    #: processes serving web requests (``catalogue serve --workers``): one writes, the others only read
    workers: Count = os.cpu_count() or 1


class ConceptSettings(BaseModel):
    """``[concepts]``: following concept IRIs we do not ship at harvest (catalogue/concepts).

    Off unless the operator turns it on: it sends requests to hosts the nodes name.
    """

    model_config = TABLE
    resolve: Flag = False
    #: addresses or networks ("127.0.0.1", "10.1.0.0/16") fetched although not public: for tests and
    #: closed networks only; every other address must be a public one
    allow_hosts: tuple[Annotated[Text, AfterValidator(checks.network)], ...] = ()
    #: skos:broader steps followed from a concept a record links to
    max_depth: CountOrZero = 3
    #: requests one harvest may send, in all and to one host
    max_requests: Count = 500
    max_requests_per_host: Count = 100
    #: all of one harvest's concept requests together
    max_seconds: Positive = 120.0
    #: one concept document, and one request
    max_bytes: Count = 1_000_000
    timeout_seconds: Positive = 5.0
    #: how long an answer without caching headers (and a failure) stays fresh
    default_max_age_seconds: Positive = 7 * 86400.0
    #: concepts kept on disk (the least recently fetched go first)
    max_cached: Count = 100_000


class StoreSettings(BaseModel):
    """``[store]``: where the triples SPARQL sees live (the record registry is always local).

    ``embedded``: pyoxigraph in ``data_dir/store``. ``sparql``: a SPARQL 1.1
    server — queries at ``query_url``, SPARQL Update at ``update_url``, the
    Graph Store Protocol at ``graph_store_url``. The user name and password may
    come from the environment instead (and win over the file):
    ``CATALOGUE_STORE_USER``, ``CATALOGUE_STORE_PASSWORD``.
    """

    model_config = TABLE
    backend: Literal["embedded", "sparql"] = "embedded"
    query_url: Url = ""
    update_url: Url = ""
    graph_store_url: Url = ""
    user: Text | None = None
    password: Text | None = Field(default=None, repr=False)
    auth: Literal["basic", "digest"] = "basic"
    #: per request to the server (a bulk load of 100,000 triples is one request)
    timeout_seconds: Positive = 300.0
    #: "listed": a query that uses GRAPH names the visible record graphs (SPARQL 1.1 Protocol; Oxigraph);
    #: "all": the server's own named graphs (Virtuoso cannot take thousands of named-graph-uri)
    named_graphs: Literal["listed", "all"] = "listed"

    @model_validator(mode="after")
    def _complete(self) -> StoreSettings:
        for key in ("query_url", "update_url", "graph_store_url"):
            if self.backend == "sparql" and not getattr(self, key):
                raise at(key, 'is required with backend = "sparql"')
        if self.user is not None and self.password is None:
            raise at("password", "is required with store.user (or set CATALOGUE_STORE_PASSWORD)")
        if self.password is not None and self.user is None:
            raise at("user", "is required with store.password")
        return self


class SearchSettings(BaseModel):
    """``[search]``: which search backend, and how to reach Elasticsearch.

    Secrets may come from the environment instead of the file (and win over
    it): ``CATALOGUE_ES_API_KEY``, ``CATALOGUE_ES_PASSWORD``.
    """

    model_config = TABLE
    backend: Literal["embedded", "elasticsearch"] = "embedded"
    url: Url = ""
    api_key: Text | None = Field(default=None, repr=False)
    user: Text | None = None
    password: Text | None = Field(default=None, repr=False)
    #: CA certificate (PEM) that signed the cluster's certificate (relative to the config file)
    ca_certs: Path | None = None
    #: indexes are ``{prefix}-records-…``, searched through the alias ``{prefix}-records``
    index_prefix: Annotated[Text, AfterValidator(checks.index_prefix)] = "catalogue"
    verify_certs: Flag = True

    @model_validator(mode="after")
    def _complete(self) -> SearchSettings:
        if self.backend == "elasticsearch" and not self.url:
            raise at("url", 'is required with backend = "elasticsearch"')
        if self.api_key is not None and self.user is not None:
            raise at("api_key", "give either api_key or user and password, not both")
        if self.user is not None and self.password is None:
            raise at("password", "is required with search.user (or set CATALOGUE_ES_PASSWORD)")
        if self.password is not None and self.user is None:
            raise at("user", "is required with search.password")
        if self.ca_certs is not None and not self.url.lower().startswith("https:"):
            raise at("ca_certs", "only applies to an https:// search.url")
        return self


class ProfileTable(BaseModel):
    """One ``[[profiles]]`` table: a validation profile of the operator's own shapes files.

    ``shapes`` are paths relative to the config file; ``extends`` names a
    built-in or another configured profile, whose shapes then run too.
    """

    model_config = TABLE
    name: Name
    title: Text | None = None
    extends: Text | None = None
    shapes: Annotated[tuple[Text, ...], BeforeValidator(checks.path_list)]
    spec: Annotated[
        str, Strict(), StringConstraints(strip_whitespace=True), AfterValidator(checks.spec_url)
    ] = ""


class ConfigFile(BaseModel):
    """The whole file, table by table, as written (paths not yet resolved)."""

    model_config = TABLE
    catalogue: CatalogueTable = CatalogueTable()
    sources: list[Source] = []
    profiles: list[ProfileTable] = []
    limits: Limits = Limits()
    sparql: SparqlLimits = SparqlLimits()
    search: SearchSettings = SearchSettings()
    store: StoreSettings = StoreSettings()
    web: WebLimits = WebLimits()
    concepts: ConceptSettings = ConceptSettings()


@dataclass(frozen=True)
class Settings:
    """Everything the catalogue was configured with, paths resolved and secrets in place."""

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


# -- reading ---------------------------------------------------------------------------------------


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


#: (table, key, environment variable, only if the table has this key, only if it has not that one):
#: secrets the environment gives instead of the file (and wins); a search password only goes with a
#: user, an API key only without one (the file decides which way Elasticsearch is reached)
SECRETS = (
    ("search", "api_key", "CATALOGUE_ES_API_KEY", None, "user"),
    ("search", "password", "CATALOGUE_ES_PASSWORD", "user", None),
    ("store", "user", "CATALOGUE_STORE_USER", None, None),
    ("store", "password", "CATALOGUE_STORE_PASSWORD", None, None),
)


def parse_settings(raw: dict[str, Any], path: Path) -> Settings:
    """Check and convert the parsed TOML; every problem names its key, and all are reported."""
    try:
        configured = ConfigFile.model_validate(_with_secrets(raw))
    except ValidationError as error:
        raise ConfigError.of(path, [problem_of(item, ConfigFile) for item in error.errors()]) from None
    folder = path.resolve().parent
    if problems := _cross_checks(configured, folder):
        raise ConfigError.of(path, problems)
    return _settings(configured, path, folder)


def _with_secrets(raw: dict[str, Any]) -> dict[str, Any]:
    """The file's tables with the secrets the environment gives put in (tables left as they are)."""
    tables = dict(raw)
    for name, key, variable, needs, excludes in SECRETS:
        table, value = tables.get(name, {}), os.environ.get(variable)
        if not value or not isinstance(table, dict) or (needs and needs not in table) or excludes in table:
            continue
        tables[name] = {**table, key: value}
    return tables


def _cross_checks(configured: ConfigFile, folder: Path) -> list[Problem]:
    """What no single table can check: names used twice, profiles that exist, files that exist."""
    problems = _profile_problems(configured.profiles, folder)
    names = [s.name for s in configured.sources]
    problems += [
        ("sources.name", f"{n!r} is used more than once") for n in sorted(set(names)) if names.count(n) > 1
    ]
    known = (*BUILT_IN, *(p.name for p in configured.profiles))
    problems += [
        (f"sources[{i}].profile",
         f"{s.profile!r} is not one of the known profiles ({', '.join(known)}); add it with [[profiles]]")
        for i, s in enumerate(configured.sources)
        if s.profile not in known
    ]  # fmt: skip
    certs = configured.search.ca_certs
    if certs is not None and not (folder / certs).is_file():
        problems.append(("search.ca_certs", f"no such file ({(folder / certs).resolve()})"))
    return problems


def _profile_problems(profiles: list[ProfileTable], folder: Path) -> list[Problem]:
    names = (*BUILT_IN, *(p.name for p in profiles))
    extends = {p.name: p.extends for p in profiles}
    problems: list[Problem] = []
    for index, item in enumerate(profiles):
        key = f"profiles[{index}]."
        if item.name in BUILT_IN:
            problems.append((key + "name", f"{item.name!r} is a built-in profile; choose another name"))
        elif any(other.name == item.name for other in profiles[:index]):
            problems.append((key + "name", f"{item.name!r} is used more than once"))
        for entry in item.shapes:
            if not (folder / entry).resolve().is_file():
                problems.append((key + "shapes", f"{entry!r}: no such file ({(folder / entry).resolve()})"))
        if item.extends is not None and item.extends not in names:
            known = ", ".join(names)
            problems.append((key + "extends", f"{item.extends!r} is not one of the known profiles ({known})"))
        seen, current = {item.name}, item.extends
        while current is not None and current not in BUILT_IN and current in extends:
            if current in seen:
                problems.append((key + "extends", f"{item.name!r} extends itself (through {current!r})"))
                break
            seen.add(current)
            current = extends[current]
    return problems


def _settings(configured: ConfigFile, path: Path, folder: Path) -> Settings:
    """The checked file as the catalogue uses it: paths resolved against the file's folder."""
    search = configured.search
    if search.ca_certs is not None:
        search = search.model_copy(update={"ca_certs": (folder / search.ca_certs).resolve()})
    return Settings(
        title=configured.catalogue.title,
        base_url=configured.catalogue.base_url,
        data_dir=folder / configured.catalogue.data_dir,
        sources=tuple(
            s.model_copy(update={"url": _resolve_url(s.url, folder)}) if s.url else s
            for s in configured.sources
        ),
        limits=configured.limits,
        sparql=configured.sparql,
        config_path=path.resolve(),
        profiles=tuple(
            Profile(
                name=p.name,
                title=p.title or p.name,
                spec=p.spec,
                files=tuple(str((folder / entry).resolve()) for entry in p.shapes),
                extends=p.extends,
            )
            for p in configured.profiles
        ),
        search=search,
        store=configured.store,
        web=configured.web,
        concepts=configured.concepts,
    )


def _resolve_url(url: str, folder: Path) -> str:
    """http(s) and file URLs stay as they are; a plain path resolves against the config."""
    if re.match(r"^[a-zA-Z][a-zA-Z0-9+.-]*://", url):
        return url
    return str((folder / url).resolve())
