"""The one way pages build links to the catalogue's own pages, so every link keeps the visitor's language.

A visitor who chose a language by ``?lang=`` (and perhaps refuses cookies)
would lose it at the next click if a link dropped the parameter; so links
are built here, in Python (:func:`build`) and in templates (the ``url``
global, :func:`for_request`), never by pasting strings. Path segments are
percent-encoded, query values too, and ``None`` values are left out.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from urllib.parse import quote, urlencode

from fastapi import Request

from catalogue.web.i18n import LANGUAGE

Value = str | int | Iterable[str] | None


def build(
    base: str,
    *segments: str,
    lang: str | None = None,
    query_map: Mapping[str, Value] | None = None,
    **params: Value,
) -> str:
    """``base`` + quoted ``segments`` + the query: ``build("/sources", "b e", page=2)`` → ``/sources/b%20e?page=2``.

    ``query_map`` holds parameters whose names are not Python names (or are ``lang``).
    """
    path = base.rstrip("/") + "".join("/" + quote(str(s), safe="") for s in segments) if segments else base
    pairs: list[tuple[str, str]] = []
    for name, value in {**(query_map or {}), **params}.items():
        if value is None:
            continue
        if isinstance(value, str | int):
            pairs.append((name, str(value)))
        else:
            pairs += [(name, str(v)) for v in value]
    if lang:
        pairs.append(("lang", lang))
    return path + ("?" + urlencode(pairs) if pairs else "")


def chosen_language(request: Request) -> str | None:
    """The language the visitor put in the URL, which links carry on (a cookie needs no help)."""
    lang = (request.query_params.get("lang") or "").lower()
    return lang if LANGUAGE.match(lang) else None


def for_request(request: Request) -> Callable[..., str]:
    """:func:`build` with the visitor's ``?lang=`` kept."""
    lang = chosen_language(request)

    def url(base: str, *segments: str, **params: Value) -> str:
        return build(base, *segments, **{"lang": lang, **params})  # type: ignore[arg-type]

    return url
