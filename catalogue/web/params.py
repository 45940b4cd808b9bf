"""Read what a request asks for: the search (one typed model), and the visitor's language.

:class:`SearchFilters` is what selects datasets (words, facet values, ranges):
the JSON API, the ``/datasets`` pages and the DCAT-AP feed share it, so a
filter means the same everywhere. :class:`SearchParams` adds what a result
page needs (paging, order, facet sizes, language). ``/api/search`` declares
the model as its query parameters (FastAPI documents every filter in the
OpenAPI and answers a bad value with 422 naming it); pages and the feed read
it with :func:`read_params` (400 naming the parameter).
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any, Literal, TypeVar

from fastapi import HTTPException, Request
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from catalogue.backends import Backends
from catalogue.index import FACETS, MAX_FACET_SIZE, Range, SearchQuery
from catalogue.quality import MAXIMUM
from catalogue.search import MAX_SIZE, Labeller
from catalogue.vocabularies.codes import parse_code
from catalogue.vocabularies.countries import country_iri
from catalogue.web.i18n import LANGUAGE, Message, accepted_languages

SORTS = ("relevance", "modified", "title", "quality")
#: values accepted per facet parameter, and characters per value
MAX_VALUES = 50
MAX_VALUE_LENGTH = 2_000
MAX_COUNT = 10**12
_DATE = re.compile(r"^\d{4}(-\d{2}(-\d{2}([T ].+)?)?)?$")

Values = Annotated[list[str], Field(max_length=MAX_VALUES)]
Count = Annotated[int | None, Field(ge=0, le=MAX_COUNT)]
Age = Annotated[int | None, Field(ge=0, le=150)]
DateText = Annotated[
    str | None,
    Field(description="a year (2020), a month (2020-05), a date (2020-05-17) or an ISO 8601 date-time"),
]


class SearchFilters(BaseModel):
    """What selects datasets. Values of one facet are OR-ed, facets and ranges AND-ed."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    q: str = Field("", max_length=500, description="words to look for, in any language")
    source: Values = Field([], description="a node's short name")
    country: Values = Field(
        [], description="ISO 3166 code (BE, BEL) or EU country IRI; from dct:spatial, else the node's country"
    )
    publisher: Values = Field([], description="a publisher's IRI (or a facet value of /api/search)")
    theme: Values = Field([], description="a data-theme IRI")
    health_category: Values = Field([], description="a HealthDCAT-AP health category IRI")
    health_theme: Values = Field([], description="a HealthDCAT-AP health theme IRI")
    type: Values = Field([], description="a dataset type IRI (dct:type)")
    keyword: Values = Field([], description="a keyword; case and accents do not matter")
    coding_system: Values = Field([], description="a coding system IRI (healthdcatap:hasCodingSystem)")
    code: Values = Field(
        [],
        description="a code as a CURIE (ICD-10:C50, ICD-10:C00-C97, ATC:A10, SNOMEDCT:254837009) or an IRI; "
        "finds datasets coded with it or with any narrower concept",
    )
    format: Values = Field([], description="a file-type IRI")
    license: Values = Field([], description="a licence IRI")
    access_rights: Values = Field([], description="an access-right IRI")
    language: Values = Field([], description="a language IRI of the datasets (not of the answer: see lang)")
    quality_min: int | None = Field(
        None, ge=0, le=MAXIMUM, description="only datasets with this many quality points"
    )
    individuals_min: Count = Field(None, description="at least this many unique individuals")
    individuals_max: Count = Field(None, description="at most this many unique individuals")
    records_min: Count = Field(None, description="at least this many records")
    records_max: Count = Field(None, description="at most this many records")
    age_min: Age = Field(
        None, description="typical ages reach this age or above (datasets without ages left out)"
    )
    age_max: Age = Field(
        None, description="typical ages reach this age or below (datasets without ages left out)"
    )
    modified_from: DateText = None
    modified_to: DateText = None
    temporal_from: DateText = Field(None, description="temporal coverage reaches this date or later")
    temporal_to: DateText = Field(None, description="temporal coverage reaches this date or earlier")

    @field_validator("modified_from", "modified_to", "temporal_from", "temporal_to")
    @classmethod
    def _readable_date(cls, value: str | None) -> str | None:
        if value is not None and value.strip():
            parse_moment(value, end=False)  # raises ValueError, reported naming the parameter
            return value.strip()
        return None

    @field_validator("country")
    @classmethod
    def _countries(cls, values: list[str]) -> list[str]:
        return [country_iri(value) for value in values if value.strip()]

    @field_validator("code")
    @classmethod
    def _codes(cls, values: list[str]) -> list[str]:
        codes = []
        for value in values:
            code = parse_code(value)
            if code is None:
                raise ValueError(f"{value[:80]!r} is not a code: give a CURIE such as ICD-10:C50 or an IRI")
            codes.append(code)
        return codes

    @field_validator(*(name for name in FACETS if name not in ("country", "code")))
    @classmethod
    def _values(cls, values: list[str]) -> list[str]:
        if any(len(value) > MAX_VALUE_LENGTH for value in values):
            raise ValueError(f"a value is longer than {MAX_VALUE_LENGTH} characters")
        return [value for value in values if value.strip()]

    @model_validator(mode="after")
    def _ranges_in_order(self) -> SearchFilters:
        for low, high in _PAIRS:
            a, b = getattr(self, low), getattr(self, high)
            if a is not None and b is not None and _order(a, low) > _order(b, high):
                raise ValueError(f"{low} ({a}) is after {high} ({b})")
        return self

    def filters(self) -> dict[str, list[str]]:
        return {name: list(getattr(self, name)) for name in FACETS if getattr(self, name)}

    def ranges(self) -> tuple[Range, ...]:
        found = []
        for name, (low, high) in RANGES.items():
            a, b = getattr(self, low), getattr(self, high)
            if a is None and b is None:
                continue
            if name in ("modified", "temporal"):
                a = parse_moment(a, end=False) if a else None
                b = parse_moment(b, end=True) if b else None
            found.append(Range(name, a, b))  # type: ignore[arg-type]
        return tuple(found)

    def pairs(self) -> list[tuple[str, str]]:
        """The filters as query-string pairs (for links), in a fixed order."""
        out = [("q", self.q)] if self.q else []
        out += [(name, value) for name in FACETS for value in getattr(self, name)]
        for name in ("quality_min", *(field for pair in RANGES.values() for field in pair)):
            if getattr(self, name) is not None:
                out.append((name, str(getattr(self, name))))
        return out


#: range filter -> its two parameters
RANGES = {
    "individuals": ("individuals_min", "individuals_max"),
    "records": ("records_min", "records_max"),
    "age": ("age_min", "age_max"),
    "modified": ("modified_from", "modified_to"),
    "temporal": ("temporal_from", "temporal_to"),
}
_PAIRS = list(RANGES.values())


class SearchParams(SearchFilters):
    """A page of search results: the filters, and how to show them."""

    page: int = Field(1, ge=1, le=10_000)
    size: int = Field(20, ge=1, le=MAX_SIZE)
    sort: Literal["relevance", "modified", "title", "quality"] = "relevance"
    facet_size: int = Field(
        20,
        ge=0,
        le=MAX_FACET_SIZE,
        description=f"values listed per facet (up to {MAX_FACET_SIZE}: 'show all')",
    )
    lang: str | None = Field(None, description="language for titles and labels", max_length=35)

    def query(self) -> SearchQuery:
        return SearchQuery(
            text=self.q.strip(),
            filters=self.filters(),
            sort=self.sort,
            page=self.page,
            size=self.size,
            facet_size=self.facet_size,
            quality_min=self.quality_min,
            ranges=self.ranges(),
        )


M = TypeVar("M", bound=BaseModel)


def read_params(model: type[M], request: Request, renamed: dict[str, str] | None = None) -> M:
    """The model read from the query string (repeated parameters as lists); 400 naming the bad parameter."""
    params = request.query_params
    data: dict[str, Any] = {}
    for name in model.model_fields:
        key = (renamed or {}).get(name, name)
        if key not in params:
            continue
        data[name] = params.getlist(key) if name in FACETS else params.get(key)
    try:
        return model.model_validate(data)
    except ValidationError as error:
        raise HTTPException(400, problems(error, renamed)) from None


def problems(error: ValidationError, renamed: dict[str, str] | None = None) -> str:
    parts = []
    for item in error.errors(include_url=False, include_input=False):
        where = str(item["loc"][0]) if item["loc"] else "the query"
        parts.append(f"{(renamed or {}).get(where, where)}: {item['msg']}")
    return "; ".join(parts)


def get_backends(request: Request) -> Backends:
    """The app's backends, as a dependency (one place that knows where the app keeps them)."""
    backends: Backends = request.app.state.backends
    return backends


def get_labeller(request: Request) -> Labeller:
    labeller: Labeller = request.app.state.labeller
    return labeller


def parse_moment(text: str, end: bool) -> datetime:
    """A year, month, date or date-time as UTC; with ``end``, the last moment of the year, month or day named."""
    value = text.strip()
    if not _DATE.match(value):
        raise ValueError(f"{value[:40]!r} is not a year, month, date or ISO 8601 date-time")
    try:
        if len(value) == 4:
            start, following = (
                datetime(int(value), 1, 1),
                datetime(int(value) + 1, 1, 1) if int(value) < 9999 else None,
            )
        elif len(value) == 7:
            year, month = int(value[:4]), int(value[5:])
            start = datetime(year, month, 1)
            following = datetime(year + month // 12, month % 12 + 1, 1) if year < 9999 or month < 12 else None
        elif len(value) == 10:
            start = datetime.fromisoformat(value)
            following = (
                start + timedelta(days=1) if start.year < 9999 or start.month < 12 or start.day < 31 else None
            )
        else:
            start, following = datetime.fromisoformat(value.replace("Z", "+00:00")), None
    except (ValueError, OverflowError) as error:
        raise ValueError(f"{value[:40]!r} is not a real date ({error})") from None
    if start.tzinfo is None:
        start = start.replace(tzinfo=UTC)
    if end and following is not None:
        return following.replace(tzinfo=UTC) - timedelta(microseconds=1)
    return start


def _order(value: int | str, name: str) -> float:
    """A bound as a number to compare with its pair's other bound (dates as POSIX timestamps)."""
    if isinstance(value, int):
        return value
    return parse_moment(value, end=name.endswith("_to")).timestamp()


def page_params(request: Request, default_size: int, max_size: int) -> tuple[int, int]:
    """``?page=`` and ``?size=`` of a listing: 400 beyond ``max_size`` per page or page 10,000."""
    params = request.query_params
    return (
        _positive(params.get("page"), "page", 1, 10_000),
        _positive(params.get("size"), "size", default_size, max_size),
    )


def _positive(raw: str | None, name: str, default: int, maximum: int) -> int:
    if raw in (None, ""):
        return default
    if not raw.isdigit() or not 1 <= int(raw) <= maximum:
        raise HTTPException(
            400, Message("%(name)s must be a whole number from 1 to %(max)d", name=name, max=maximum)
        )
    return int(raw)


def language(request: Request) -> str:
    """``?lang=`` first, then the browser's Accept-Language, then English (pages also read a cookie: web/i18n.py)."""
    explicit = (request.query_params.get("lang") or "").lower()
    if LANGUAGE.match(explicit):
        return explicit
    return next(iter(accepted_languages(request.headers.get("accept-language", ""))), "en")
