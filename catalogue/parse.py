"""Parse a fetched document into quads, whatever RDF syntax it is in.

The syntax is taken from the Content-Type, then the file extension, then a
look at the content. Parsing uses pyoxigraph (fast, and it never fetches
anything). JSON-LD remote contexts are swapped for the project's local copies.

RDF/XML entity declarations are checked before parsing, wherever they are in
the document (pyoxigraph honours a DOCTYPE even after the root element):
external and parameter entities are refused (they can read local files),
nested ones too (they multiply), and plain ones only pass while what their
references expand to stays within the size of the document (or MAX_EXPANSION
for a small one) — a flat entity repeated thousands of times is a bomb too.
A literal longer than MAX_LITERAL is refused: validation writes records as
N-Triples, where escaping can make it six times longer, and both pyoxigraph
and pyrudof give up on a single term over 16 MiB.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path, PurePosixPath
from urllib.parse import urlparse

import pyoxigraph as ox

from catalogue.contexts import UnknownContextError, inline_remote_contexts
from catalogue.fetch import Document, InputError
from catalogue.negotiation import RDF_FORMATS, READ_ONLY_FORMATS

#: media types we read (those we serve, with their aliases, and N-Quads and TriG): negotiation.py's table
MEDIA_TYPES: dict[str, ox.RdfFormat] = {
    **{media: f.format for f in RDF_FORMATS for media in (f.media_type, *f.aliases)},
    **{fmt.media_type: fmt for fmt in READ_ONLY_FORMATS},
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

#: any entity declaration, however it is spelled after ``<!ENTITY``
_ANY_ENTITY = re.compile(rb"<!ENTITY", re.IGNORECASE)
#: the one form we accept: a general entity with a quoted value
_PLAIN_ENTITY = re.compile(rb"<!ENTITY\s+([\w.:-]+)\s+(\"[^\"]*\"|'[^']*')\s*>")
#: what the references to plain entities may add to a small document, in bytes
MAX_EXPANSION = 1024 * 1024
#: declarations checked one by one (each is counted over the whole document)
MAX_ENTITIES = 64
#: characters in one literal; real metadata stays far below
MAX_LITERAL = 1024 * 1024


class ParseError(InputError):
    """The document is not valid RDF in the syntax we took it for."""

    def __init__(self, location: str, message: str, line: int | None = None, column: int | None = None):
        where = f" (line {line}, column {column})" if line else ""
        super().__init__(location, message + where)
        self.line, self.column = line, column


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
    return list(iter_quads(document))


def iter_quads(document: Document) -> Iterator[ox.Quad]:
    """The document's quads one by one, as the parser reads them: a document too big to hold parsed
    (catalogue.sources.spilled) goes to disk without ever being a list. Errors come while iterating."""
    rdf_format = detect_format(document)
    data: bytes | str = document.data
    if rdf_format == ox.RdfFormat.JSON_LD:
        try:
            data = _jsonld_with_local_contexts(document)
        except RecursionError:  # Python's json reads (and writes) nested values recursively
            raise ParseError(
                document.location, "not readable JSON-LD: objects and arrays nested too deeply"
            ) from None
    elif rdf_format == ox.RdfFormat.RDF_XML:
        _refuse_entities(document)
    # relative IRIs resolve against where the document came from, as a browser would
    base = document.location if "://" in document.location else Path(document.location).resolve().as_uri()
    quads = _parsed(data, rdf_format, base, document.location)
    if len(document.data) <= MAX_LITERAL:  # a smaller document cannot hold a longer literal
        return quads
    return _without_long_literals(quads, document.location)


def _parsed(data: bytes | str, rdf_format: ox.RdfFormat, base: str, location: str) -> Iterator[ox.Quad]:
    """The parser's quads, its errors turned into ParseErrors that say where."""
    try:
        yield from ox.parse(data, format=rdf_format, base_iri=base)
    except MemoryError as error:  # pyoxigraph's buffer for one token is 16 MiB
        message = f"not readable {rdf_format.name}: a single term is too long ({error})"
        raise ParseError(location, message) from None
    except SyntaxError as error:
        line, column = _position(error)
        message = str(error.msg if hasattr(error, "msg") else error)
        message = re.sub(r"^Parser error at line \d+ (between columns \d+ and \d+|column \d+): ", "", message)
        raise ParseError(location, f"not valid {rdf_format.name}: {message}", line, column) from None
    except ValueError as error:
        raise ParseError(location, f"not valid {rdf_format.name}: {error}") from None


def _without_long_literals(quads: Iterator[ox.Quad], location: str) -> Iterator[ox.Quad]:
    for quad in quads:
        if isinstance(quad.object, ox.Literal) and len(quad.object.value) > MAX_LITERAL:
            raise ParseError(
                location,
                f"the literal of {quad.subject} <{quad.predicate.value}> has "
                f"{len(quad.object.value):,} characters, more than the limit of {MAX_LITERAL:,}",
            )
        yield quad


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
    """External entities can read local files; nested or much-repeated ones can blow up memory."""
    data = document.data
    declarations = list(_ANY_ENTITY.finditer(data))
    if len(declarations) > MAX_ENTITIES:
        raise _entity_error(
            document, declarations[MAX_ENTITIES].start(), f"more than {MAX_ENTITIES} entities"
        )
    expansion = 0
    for declaration in declarations:
        plain = _PLAIN_ENTITY.match(data, declaration.start())
        if plain is None:
            raise _entity_error(document, declaration.start(), "an external entity or a parameter entity")
        name, value = plain.group(1), plain.group(2)[1:-1]
        if b"&" in value or b"%" in value:
            raise _entity_error(document, declaration.start(), f"nested entities (in {name.decode()!r})")
        expansion += len(value) * data.count(b"&" + name + b";")
    budget = max(MAX_EXPANSION, len(data))
    if expansion > budget:
        raise _entity_error(
            document,
            declarations[0].start(),
            f"entities that expand to {expansion:,} bytes, more than the limit of {budget:,}",
        )


def _entity_error(document: Document, offset: int, what: str) -> ParseError:
    line = document.data.count(b"\n", 0, offset) + 1
    column = offset - (document.data.rfind(b"\n", 0, offset) + 1) + 1
    return ParseError(document.location, f"RDF/XML declares {what}; refused for safety", line, column)
