"""Parse a fetched document into quads, whatever RDF syntax it is in.

The syntax is taken from the Content-Type, then the file extension, then a
look at the content. Parsing uses pyoxigraph (fast, and it never fetches
anything). JSON-LD remote contexts are swapped for the project's local copies;
RDF/XML with external or nested entities is refused before parsing.
"""

from __future__ import annotations

import json
import re
from pathlib import Path, PurePosixPath
from urllib.parse import urlparse

import pyoxigraph as ox

from catalogue.contexts import UnknownContextError, inline_remote_contexts
from catalogue.fetch import Document, InputError

MEDIA_TYPES: dict[str, ox.RdfFormat] = {
    "text/turtle": ox.RdfFormat.TURTLE,
    "application/x-turtle": ox.RdfFormat.TURTLE,
    "application/rdf+xml": ox.RdfFormat.RDF_XML,
    "application/xml": ox.RdfFormat.RDF_XML,
    "text/xml": ox.RdfFormat.RDF_XML,
    "application/ld+json": ox.RdfFormat.JSON_LD,
    "application/json": ox.RdfFormat.JSON_LD,
    "application/n-triples": ox.RdfFormat.N_TRIPLES,
    "text/plain": ox.RdfFormat.N_TRIPLES,
    "application/n-quads": ox.RdfFormat.N_QUADS,
    "application/trig": ox.RdfFormat.TRIG,
}

EXTENSIONS: dict[str, ox.RdfFormat] = {
    ".ttl": ox.RdfFormat.TURTLE,
    ".turtle": ox.RdfFormat.TURTLE,
    ".rdf": ox.RdfFormat.RDF_XML,
    ".xml": ox.RdfFormat.RDF_XML,
    ".owl": ox.RdfFormat.RDF_XML,
    ".jsonld": ox.RdfFormat.JSON_LD,
    ".json": ox.RdfFormat.JSON_LD,
    ".nt": ox.RdfFormat.N_TRIPLES,
    ".nq": ox.RdfFormat.N_QUADS,
    ".trig": ox.RdfFormat.TRIG,
}

_DOCTYPE = re.compile(rb"<!DOCTYPE[^\[>]*\[(.*?)\]\s*>", re.DOTALL)
_ENTITY = re.compile(rb"<!ENTITY\s+%?\s*[\w.-]+\s+(SYSTEM|PUBLIC|\"[^\"]*\"|'[^']*')", re.DOTALL)


class ParseError(InputError):
    """The document is not valid RDF in the syntax we took it for."""

    def __init__(self, location: str, message: str, line: int | None = None, column: int | None = None):
        self.line, self.column = line, column
        where = f" (line {line}, column {column})" if line else ""
        super().__init__(location, message + where)


def detect_format(document: Document) -> ox.RdfFormat:
    if re.match(rb"\s*(<!doctype html|<html)", document.data[:1024], re.IGNORECASE):
        served = f" (served as {document.content_type})" if document.content_type else ""
        raise ParseError(document.location, f"this is an HTML page{served}, not an RDF document")
    if document.content_type in MEDIA_TYPES and document.content_type not in (
        "text/plain",
        "application/xml",
        "application/json",
    ):
        return MEDIA_TYPES[document.content_type]
    suffixes = PurePosixPath(urlparse(document.location).path).suffixes
    suffixes = [s.lower() for s in suffixes if s.lower() != ".gz"]
    if suffixes and suffixes[-1] in EXTENSIONS:
        return EXTENSIONS[suffixes[-1]]
    if document.content_type in MEDIA_TYPES:
        return MEDIA_TYPES[document.content_type]
    return _sniff(document.data)


def _sniff(data: bytes) -> ox.RdfFormat:
    head = data[:4096].lstrip(b"\xef\xbb\xbf \t\r\n")
    if head.startswith((b"{", b"[")):
        return ox.RdfFormat.JSON_LD
    if head.startswith(b"<?xml") or head.startswith(b"<rdf:RDF") or head.startswith(b"<!DOCTYPE"):
        return ox.RdfFormat.RDF_XML
    if re.search(rb"^\s*(@prefix|@base|PREFIX|BASE)\b", head, re.MULTILINE | re.IGNORECASE):
        return ox.RdfFormat.TRIG if re.search(rb"\{\s*$|GRAPH\s", head) else ox.RdfFormat.TURTLE
    if re.match(rb"^(<[^>]*>|_:\S+)\s+<[^>]*>\s+\S.*\s<[^>]*>\s*\.\s*$", head.split(b"\n")[0]):
        return ox.RdfFormat.N_QUADS
    if re.match(rb"^(<[^>]*>|_:\S+)\s+<[^>]*>", head):
        return ox.RdfFormat.N_TRIPLES
    return ox.RdfFormat.TURTLE


def parse_document(document: Document) -> list[ox.Quad]:
    """All quads of the document; triples come back in the default graph."""
    rdf_format = detect_format(document)
    data: bytes | str = document.data
    if rdf_format == ox.RdfFormat.JSON_LD:
        data = _jsonld_with_local_contexts(document)
    elif rdf_format == ox.RdfFormat.RDF_XML:
        _refuse_entities(document)
    # relative IRIs resolve against where the document came from, as a browser would
    base = document.location if "://" in document.location else Path(document.location).resolve().as_uri()
    try:
        return list(ox.parse(data, format=rdf_format, base_iri=base))
    except SyntaxError as error:
        line, column = _position(error)
        message = str(error.msg if hasattr(error, "msg") else error)
        message = re.sub(r"^Parser error at line \d+ (between columns \d+ and \d+|column \d+): ", "", message)
        raise ParseError(document.location, f"not valid {rdf_format.name}: {message}", line, column) from None
    except ValueError as error:
        raise ParseError(document.location, f"not valid {rdf_format.name}: {error}") from None


def _position(error: SyntaxError) -> tuple[int | None, int | None]:
    if error.lineno:
        return error.lineno, error.offset
    match = re.search(r"line (\d+) column (\d+)", str(error))
    return (int(match[1]), int(match[2])) if match else (None, None)


def _jsonld_with_local_contexts(document: Document) -> str:
    try:
        tree = json.loads(document.data)
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        line = getattr(error, "lineno", None)
        raise ParseError(
            document.location,
            f"not valid JSON: {getattr(error, 'msg', error)}",
            line,
            getattr(error, "colno", None),
        ) from None
    try:
        return json.dumps(inline_remote_contexts(tree))
    except UnknownContextError as error:
        raise ParseError(document.location, str(error)) from None


def _refuse_entities(document: Document) -> None:
    """External entities can read local files; nested ones can blow up memory."""
    doctype = _DOCTYPE.search(document.data[:65536])
    if not doctype:
        return
    for match in _ENTITY.finditer(doctype.group(1)):
        kind = match.group(1)
        if kind in (b"SYSTEM", b"PUBLIC"):
            raise ParseError(document.location, "RDF/XML declares an external entity; refused for safety")
        if b"&" in kind:
            raise ParseError(document.location, "RDF/XML declares nested entities; refused for safety")
