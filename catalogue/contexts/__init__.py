"""Local copies of the JSON-LD contexts that harvested documents refer to by URL.

The harvester never fetches a remote JSON-LD context: fetching would make a
harvest depend on a third-party server, let a publisher's document make our
process issue requests, and make the triples of a record change when somebody
edits a file on GitHub Pages. Instead, a document's remote contexts are
replaced by the copies in this folder before it is parsed; a remote context
we have no copy of is an error that names the URL.

The copies were written for this project from the DCAT-AP specification and
its published contexts (see ``SOURCES.md`` next to this file): each defines
the same terms, with the same IRIs, types and containers, as the context
published at the URLs it is registered for, so a document expands to the same
triples as it would with the published context.
"""

from __future__ import annotations

import json
from functools import cache
from importlib.resources import files
from urllib.parse import urlsplit, urlunsplit

from catalogue.errors import CatalogueError

__all__ = ["KNOWN_CONTEXTS", "UnknownContextError", "inline_remote_contexts", "local_context"]


class UnknownContextError(CatalogueError, ValueError):
    """A document refers to a remote JSON-LD context the catalogue has no local copy of."""

    http_status = 400

    def __init__(self, url: str) -> None:
        self.url = url
        super().__init__(
            f"the JSON-LD document uses the remote @context {url!r}, which the catalogue does not know;"
            " remote contexts are never fetched (known: " + ", ".join(sorted(KNOWN_CONTEXTS)) + ")"
        )


# remote URL -> file in this package. Only URLs whose published content we checked are listed;
# http/https, host case, a trailing slash and a fragment do not matter (see _normalise).
KNOWN_CONTEXTS: dict[str, str] = {
    # DCAT-AP 3.0.0 and 3.0.1 as published on the SEMIC GitHub Pages site (SEMICeu/DCAT-AP, gh-pages).
    # The two releases define different terms (3.0.1 adds applicableLegislation, drops isPartOf,
    # isVersionOf, DatasetMemberOfADatasetSeries, ...), so each has its own copy.
    "https://semiceu.github.io/DCAT-AP/releases/3.0.0/context/dcat-ap.jsonld": "dcat-ap-3.0.0.jsonld",
    "https://semiceu.github.io/DCAT-AP/releases/3.0.1/context/dcat-ap.jsonld": "dcat-ap-3.0.1.jsonld",
}

_KEYWORD_CONTEXT = "@context"
_KEYWORD_IMPORT = "@import"


def _normalise(url: str) -> str:
    """The form URLs are compared in: https, lower-case host, no trailing slash, no fragment."""
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    if scheme == "http":
        scheme = "https"
    path = parts.path.rstrip("/")
    return urlunsplit((scheme, parts.netloc.lower(), path, parts.query, ""))


_BY_NORMALISED_URL = {_normalise(url): name for url, name in KNOWN_CONTEXTS.items()}


@cache
def _context_text(name: str) -> str:
    return files(__name__).joinpath(name).read_text(encoding="utf-8")


def local_context(url: str) -> object:
    """The value of ``@context`` in our copy of the remote context at ``url`` (a fresh object each call)."""
    name = _BY_NORMALISED_URL.get(_normalise(url)) if isinstance(url, str) else None
    if name is None:
        raise UnknownContextError(str(url))
    return json.loads(_context_text(name))[_KEYWORD_CONTEXT]


def inline_remote_contexts(document: object) -> object:
    """Return the parsed JSON-LD document with every remote @context (string or in a list, at any depth,
    including scoped contexts) replaced by our local copy; raise UnknownContextError for one we do not know.

    The argument is not modified. Contexts are recognised wherever JSON-LD allows them: the ``@context``
    entry of any object (top-level, nested node objects, ``@graph`` members, scoped contexts in term
    definitions) and ``@import`` in a context. The content of ``@value`` (JSON literals) is left alone.
    """
    return _walk(document)


def _walk(value: object) -> object:
    if isinstance(value, list):
        return [_walk(item) for item in value]
    if not isinstance(value, dict):
        return value
    result: dict[str, object] = {}
    for key, item in value.items():
        if key == _KEYWORD_CONTEXT:
            result[key] = _context(item)
        elif key == "@value":
            result[key] = item  # a JSON literal is data, not JSON-LD
        else:
            result[key] = _walk(item)
    return result


def _context(value: object) -> object:
    """A local context (the value of an @context entry) with its remote references replaced."""
    if isinstance(value, str):
        return local_context(value)
    if isinstance(value, list):
        items: list[object] = []
        for item in value:
            resolved = _context(item)
            # a context array may not nest arrays: splice a copy that is itself an array
            if isinstance(item, str) and isinstance(resolved, list):
                items.extend(resolved)
            else:
                items.append(resolved)
        return items
    if isinstance(value, dict):
        return _context_definition(value)
    return value  # null (resets the active context) or invalid; the JSON-LD parser reports the latter


def _context_definition(definition: dict[str, object]) -> dict[str, object]:
    resolved: dict[str, object] = {}
    for key, item in definition.items():
        if key == _KEYWORD_IMPORT:
            continue
        # a term definition may carry a scoped context: {"term": {"@id": ..., "@context": ...}}
        resolved[key] = _walk(item) if isinstance(item, dict) else item
    if _KEYWORD_IMPORT in definition:
        # JSON-LD 1.1 @import: the imported context, with this context's entries taking precedence
        imported = local_context(str(definition[_KEYWORD_IMPORT]))
        if not isinstance(imported, dict):
            raise ValueError(
                f"@import of {definition[_KEYWORD_IMPORT]!r}: the imported context is not an object"
            )
        resolved = {**_context_definition(imported), **resolved}
    return resolved
