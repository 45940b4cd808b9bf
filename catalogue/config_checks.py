"""What a configuration value may be, and how a refusal reads: file, key path, problem.

The tables of ``catalogue.toml`` are pydantic models (:mod:`catalogue.config`).
Their value checks live here and raise :func:`problem` (or :func:`at`, for a
check of a whole table that blames one key); :func:`problem_of` turns each of
pydantic's errors into the catalogue's phrasing — ``sources[2].interval``,
``must be like "30m", "6h" or "7d"`` — so messages say what to write, not
which Python type was expected.
"""

from __future__ import annotations

import ipaddress
import re
from datetime import timedelta
from typing import Any, get_args

from pydantic import BaseModel
from pydantic_core import ErrorDetails, PydanticCustomError

#: one problem: the key path and what is wrong with it
Problem = tuple[str, str]
NAME_PATTERN = re.compile(r"^[a-z0-9][a-z0-9_-]{0,39}$")
INDEX_PREFIX_PATTERN = re.compile(r"^[a-z0-9][a-z0-9_-]{0,99}$")
HTTP_URL = re.compile(r"^https?://[^\s/]+")
#: pydantic's error types → our sentence (those needing the value or the table are handled below)
SENTENCES = {
    "missing": "is required",
    "string_type": "must be a non-empty string",
    "string_too_short": "must be a non-empty string",
    "int_type": "must be a whole number",
    "float_type": "must be a number",
    "greater_than": "must be a positive number",
    "greater_than_equal": "must be zero or a positive number",
    "bool_type": "must be true or false",
    "too_short": "must not be empty",
}
TABLE_TYPES = ("model_type", "model_attributes_type", "dict_type")
LIST_TYPES = ("list_type", "tuple_type")


def problem(message: str) -> PydanticCustomError:
    """A refused value, and why (no context is given, so pydantic leaves the message as it is)."""
    return PydanticCustomError("config", message)


def at(key: str, message: str) -> PydanticCustomError:
    """A refusal by a check of a whole table, blaming one of its keys."""
    return PydanticCustomError("config_at", message, {"key": key})


def check(condition: bool, message: str) -> None:
    if not condition:
        raise problem(message)


def problem_of(error: ErrorDetails, root: type[BaseModel]) -> Problem:
    """One of pydantic's errors, as a key path and a sentence."""
    kind, context = error["type"], error.get("ctx") or {}
    loc = list(error["loc"])
    if kind == "config_at":
        loc.append(context["key"])
    if len(loc) > 1 and isinstance(loc[-1], int) and kind not in TABLE_TYPES:
        loc.pop()  # an item of a list of values: the list is the key
    key = "".join(f"[{part}]" if isinstance(part, int) else f".{part}" for part in loc).lstrip(".")
    if kind in ("config", "config_at"):
        return key, error["msg"]
    if kind == "extra_forbidden":
        return key, f"unknown key (expected one of {sorted(_table_at(root, loc[:-1]).model_fields)})"
    if kind == "literal_error":
        return key, f"{error['input']!r} is not one of {context.get('expected', '')}"
    if kind in TABLE_TYPES:
        return key, f"must be a table: [{key}]" if len(loc) == 1 else "must be a table"
    if kind in LIST_TYPES:
        return key, f"must be an array of tables: [[{key}]]" if len(loc) == 1 else "must be a list"
    return key, SENTENCES.get(kind, error["msg"])


def path_list(value: object) -> object:
    """A profile's ``shapes``: at least one path (a lone string is a likely slip, said as such)."""
    check(
        isinstance(value, list) and len(value) > 0,
        'must be a non-empty list of paths, like ["shapes/ours.ttl"]',
    )
    return value


def _table_at(root: type[BaseModel], loc: list[int | str]) -> type[BaseModel]:
    """The model of the table at ``loc`` (list positions skipped)."""
    table = root
    for part in loc:
        if isinstance(part, str):
            table = table_model(table.model_fields[part].annotation) or table
    return table


def table_model(annotation: Any) -> type[BaseModel] | None:
    """The model in a field's type (``list[Source]`` → Source), if it holds tables."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for argument in get_args(annotation):
        if (found := table_model(argument)) is not None:
            return found
    return None


# -- the values -------------------------------------------------------------------------------------


def name(value: str) -> str:
    check(NAME_PATTERN.match(value) is not None,
          f"{value!r} must be lower-case letters, digits, '-' or '_' (used in URLs)")  # fmt: skip
    return value


def index_prefix(value: str) -> str:
    check(INDEX_PREFIX_PATTERN.match(value) is not None,
          f"{value!r} must be lower-case letters, digits, '-' or '_' (an Elasticsearch index name)")  # fmt: skip
    return value


def http_url(value: str) -> str:
    check(value == "" or HTTP_URL.match(value) is not None, f"must be an http(s) URL, got {value!r}")
    return value.rstrip("/")


def spec_url(value: str) -> str:
    check(value == "" or re.match(r"^https?://\S+$", value) is not None,
          f"must be the http(s) URL of the specification, got {value!r}")  # fmt: skip
    return value


def iri_prefix(value: str) -> str:
    check(re.match(r"^https?://[^\s/]+/?", value) is not None,
          'must be a list of http(s) IRI prefixes, like ["https://data.example.org/"]')  # fmt: skip
    return value


def host(value: str) -> str:
    check("/" not in value, 'must be a list of host names, like ["cdn.example.org"]')
    return value.lower()


def network(value: str) -> str:
    """An address or a network ("10.1.0.0/16"), never a host name."""
    try:
        ipaddress.ip_network(value, strict=False)
    except ValueError:
        raise problem(f"{value!r} is not an address or network") from None
    return value


def share(value: float) -> float:
    check(value <= 1, "must be a share between 0 and 1")
    return value


def interval(value: Any) -> Any:
    """ "6h" → 6 hours; a timedelta stays as it is (settings made in code)."""
    parsed = parse_interval(value) if isinstance(value, str) else value
    check(isinstance(parsed, timedelta), 'must be like "30m", "6h" or "7d"')
    return parsed


def parse_interval(text: str) -> timedelta | None:
    """ "90s", "30m", "6h", "7d" → a timedelta; None when it is not one of those."""
    match = re.fullmatch(r"\s*(\d+)\s*([smhd])\s*", text)
    if match is None or int(match[1]) == 0:
        return None
    unit = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days"}[match[2]]
    return timedelta(**{unit: int(match[1])})
