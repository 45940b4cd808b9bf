"""Turn SHACL validation reports into messages a data steward can act on.

A raw SHACL result says "MinCountConstraintComponent on <…> path
<http://purl.org/dc/terms/description>". A steward needs: which dataset
(title and IRI), which property (``dct:description (description)``), what was
found (the value, or "missing"), what is expected (the shape's message) and
where the specification explains it (the shape's ``rdfs:seeAlso`` link,
else the profile's specification). :func:`summarise` builds exactly that,
grouped per record, violations first; :mod:`catalogue.validation.render`
writes it out (JSON, a real ``sh:ValidationReport`` in Turtle, plain text) for
the web service, the API and the command line.

:func:`validate_document` runs the pipeline once for a document in hand
(parse, split into records, validate, summarise). Everything else only reads
:class:`~catalogue.model.ValidationReport` objects, the records they belong
to, and the shapes files for names and links.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Protocol, cast

import pyoxigraph as ox
import rdflib
from rdflib.namespace import RDF, RDFS, SH, XSD
from rdflib.util import guess_format

from catalogue.fetch import Document
from catalogue.model import INFO, VIOLATION, WARNING, ValidationReport, ValidationResult
from catalogue.namespaces import RDF_TYPE
from catalogue.negotiation import PREFIXES as SERVED_PREFIXES
from catalogue.parse import parse_document
from catalogue.records import Record, split_records
from catalogue.validation.profiles import profile, shapes_files
from catalogue.validation.validator import validate_records

if TYPE_CHECKING:
    from catalogue.config import Settings

#: prefixes for readable property names: those the catalogue serves with, and a few more shapes use
PREFIXES: dict[str, str] = {
    **SERVED_PREFIXES,
    "sh": str(SH),
    "odrl": "http://www.w3.org/ns/odrl/2/",
    "time": "http://www.w3.org/2006/time#",
    "dqv": "http://www.w3.org/ns/dqv#",
    "owl": "http://www.w3.org/2002/07/owl#",
}
SEVERITY_ORDER = {VIOLATION: 0, WARNING: 1, INFO: 2}
SKOLEM_MARK = "/.well-known/genid/"
MAX_SHOWN = 200  # characters of a value shown in a message; the JSON keeps it whole
#: skolem IRIs for the blank nodes of a document validated on its own (never stored)
SKOLEM_BASE = "urn:catalogue:validate"
CONSTRAINT_COUNTS = {str(SH.MinCountConstraintComponent), str(SH.QualifiedMinCountConstraintComponent)}


def validate_document(
    document: Document,
    profile: str = "dcat-ap-3",
    shapes: Path | None = None,
    notes: ShapeNotes | None = None,
    workers: int | None = None,
    settings: Settings | None = None,
) -> Summary:
    """Parse, split into records, validate and summarise one document (``settings``: configured profiles).

    With ``shapes`` (a file of the user's own shapes) the profile's are not
    used, and links come from ``notes``. Raises what parsing and validating
    raise: :class:`~catalogue.parse.ParseError`, ``ShapesError``, ``FileNotFoundError``.
    """
    records = split_records(parse_document(document), "input", SKOLEM_BASE)
    reports = validate_records(records, profile=profile, shapes=shapes, workers=workers, settings=settings)
    if shapes is not None:
        return summarise(records, reports, notes=notes)
    return summarise_profile(records, reports, profile, settings)


# -- what the shapes say about themselves -----------------------------------------------


@dataclass(frozen=True)
class ShapeNote:
    name: str | None = None  # sh:name: "description", "geographical coverage" …
    link: str | None = None  # rdfs:seeAlso: the section of the specification


@dataclass(frozen=True)
class ShapeNotes:
    """Names and specification links of the shapes, by shape IRI."""

    notes: Mapping[str, ShapeNote] = field(default_factory=dict)

    def get(self, shape: str | None) -> ShapeNote:
        return self.notes.get(shape or "", ShapeNote())

    @classmethod
    def from_graph(cls, graph: rdflib.Graph) -> ShapeNotes:
        """Every named shape's sh:name and rdfs:seeAlso; a property shape without a link
        inherits that of the node shape it belongs to (the class's section of the spec)."""
        notes: dict[str, ShapeNote] = {}
        parents: dict[str, str] = {}
        for node, _, prop in graph.triples((None, SH.property, None)):
            if isinstance(node, rdflib.URIRef) and isinstance(prop, rdflib.URIRef):
                parents.setdefault(str(prop), str(node))
        shapes = {*graph.subjects(SH.path, None), *graph.subjects(SH.property, None)}
        shapes |= {*graph.subjects(RDF.type, SH.NodeShape), *graph.subjects(RDF.type, SH.PropertyShape)}
        for shape in shapes:
            if isinstance(shape, rdflib.URIRef):
                notes[str(shape)] = ShapeNote(_english(graph.objects(shape, SH.name)), _link(graph, shape))
        for child, parent in parents.items():
            note = notes.get(child, ShapeNote())
            if note.link is None and parent in notes:
                notes[child] = ShapeNote(note.name, notes[parent].link)
        return cls(notes)

    @classmethod
    def from_files(cls, paths: Iterable[Path]) -> ShapeNotes:
        """Read once per set of files, and again when one of them changes."""
        return _notes_from_files(tuple((Path(p), Path(p).stat().st_mtime_ns) for p in paths))


def profile_notes(name: str, settings: Settings | None = None) -> ShapeNotes:
    """The notes of a profile's shapes files (none when the files cannot be found)."""
    try:
        return ShapeNotes.from_files(shapes_files(name, settings))
    except (KeyError, FileNotFoundError):
        return ShapeNotes()


def summarise_profile(
    records: Sequence[Record],
    reports: Mapping[str, ValidationReport],
    name: str,
    settings: Settings | None = None,
) -> Summary:
    """:func:`summarise` with a profile's specification link and shape notes."""
    try:
        spec = profile(name, settings).spec or None
    except KeyError:
        spec = None
    return summarise(records, reports, name, spec, profile_notes(name, settings))


@cache
def _notes_from_files(stamped: tuple[tuple[Path, int], ...]) -> ShapeNotes:
    graph = rdflib.Graph()
    for path, _ in stamped:
        try:
            graph.parse(path, format=guess_format(str(path)) or "turtle")
        except Exception:  # the validator reports broken shapes; without notes we only lose links
            continue
    return ShapeNotes.from_graph(graph)


def _english(literals: Iterable[rdflib.term.Node]) -> str | None:
    texts = sorted((getattr(lit, "language", None) not in (None, "en"), str(lit)) for lit in literals)
    return texts[0][1] if texts else None


def _link(graph: rdflib.Graph, shape: rdflib.URIRef) -> str | None:
    """The shape's rdfs:seeAlso; an anchored one (a property's own section) first."""
    links = sorted(str(o) for o in graph.objects(shape, RDFS.seeAlso) if isinstance(o, rdflib.URIRef))
    return next((link for link in links if "#" in link), links[0] if links else None)


# -- messages -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Message:
    """One result, said plainly. ``found`` and ``about`` are for people; the rest is as SHACL gave it."""

    severity: str  # Violation | Warning | Info
    property: str  # "dct:description (description)", or "(the resource itself)"
    found: str  # "missing", '"about 2 GB"', "<https://…>", "a blank node", "3 values"
    expected: str  # the shape's message
    link: str | None  # where the specification explains the property
    about: str  # which resource: "the dataset", "dcat:Distribution <https://…>", "dcat:Distribution (a blank node)"
    focus: str  # sh:focusNode
    path: str | None  # sh:resultPath: an IRI, "^IRI" for an inverse path, or a complex path in N3
    value: str | None  # sh:value as text
    shape: str | None  # sh:sourceShape
    component: str | None  # sh:sourceConstraintComponent
    #: sh:value as the RDF term found in the data (literal with its datatype/language, IRI, blank node)
    value_term: ox.NamedNode | ox.BlankNode | ox.Literal | None = field(default=None, compare=False)


@dataclass
class RecordSummary:
    """A record (a dataset, or the catalogue-level statements) with its messages, violations first."""

    title: str  # "" when the record has no title
    uri: str | None  # None for the statements no dataset or catalogue claims (we made their IRI up)
    kind: str  # "dataset" or "catalog"
    messages: list[Message]

    @property
    def label(self) -> str:
        """What to call the record: its title, or a stand-in when it has none."""
        if self.title:
            return self.title
        return "(untitled dataset)" if self.kind == "dataset" else "catalogue-level statements"

    @property
    def violations(self) -> int:
        return sum(m.severity == VIOLATION for m in self.messages)

    @property
    def warnings(self) -> int:
        return sum(m.severity == WARNING for m in self.messages)

    @property
    def infos(self) -> int:
        return sum(m.severity == INFO for m in self.messages)

    @property
    def conforms(self) -> bool:
        return self.violations == 0


@dataclass
class Summary:
    """Everything a report shows: the profile, and one :class:`RecordSummary` per record."""

    profile: str | None  # None for shapes the user gave
    spec: str | None  # the profile's specification URL
    records: list[RecordSummary]

    @property
    def conforms(self) -> bool:
        return all(r.conforms for r in self.records)

    @property
    def violations(self) -> int:
        return sum(r.violations for r in self.records)

    @property
    def warnings(self) -> int:
        return sum(r.warnings for r in self.records)

    @property
    def datasets(self) -> int:
        return sum(r.kind == "dataset" for r in self.records)

    @property
    def failing(self) -> int:
        """Records with at least one violation."""
        return sum(not r.conforms for r in self.records)


def summarise(
    records: Sequence[Record],
    reports: Mapping[str, ValidationReport],
    profile: str | None = None,
    spec: str | None = None,
    notes: ShapeNotes | None = None,
) -> Summary:
    """Messages per record (violations, then warnings, then infos); records with violations
    come first, then those with warnings, then the rest, each group in document order."""
    notes = notes or ShapeNotes()
    summaries = []
    for record in records:
        values = _values(record)
        types = _types(record)
        report = reports.get(record.id, ValidationReport())
        messages = [_message(result, record, values, types, notes, spec) for result in report.results]
        itself = own_label(record.kind)
        messages.sort(
            key=lambda m: (SEVERITY_ORDER.get(m.severity, 3), m.about != itself, m.property, m.about)
        )
        uri = None if record.uri.startswith(SKOLEM_BASE) else record.uri
        title = "" if record.title == record.uri else record.title
        summaries.append(RecordSummary(title, uri, record.kind, messages))
    summaries.sort(key=lambda s: (s.conforms, s.warnings == 0))  # sort is stable: document order within
    return Summary(profile, spec, summaries)


Values = dict[tuple[str, str], list[ox.NamedNode | ox.BlankNode | ox.Literal]]


def _values(record: Record) -> Values:
    """(subject, predicate) → objects, and ("^" + object, predicate) → subjects, for inverse paths."""
    values: Values = defaultdict(list)
    for triple in _plain(record.triples):
        values[(triple.subject.value, triple.predicate.value)].append(triple.object)
        if not isinstance(triple.object, ox.Literal):
            values[("^" + triple.object.value, triple.predicate.value)].append(triple.subject)
    return values


class _PlainTriple(Protocol):
    subject: ox.NamedNode | ox.BlankNode
    predicate: ox.NamedNode
    object: ox.NamedNode | ox.BlankNode | ox.Literal


def _plain(triples: Iterable[ox.Triple]) -> Iterator[_PlainTriple]:
    """The triples without RDF 1.2 triple terms (a record never has them; the types allow them)."""
    for triple in triples:
        if not isinstance(triple.subject, ox.Triple) and not isinstance(triple.object, ox.Triple):
            yield cast(_PlainTriple, triple)


def _types(record: Record) -> dict[str, list[str]]:
    types: dict[str, list[str]] = defaultdict(list)
    for triple in _plain(record.triples):
        if triple.predicate.value == RDF_TYPE:
            types[triple.subject.value].append(triple.object.value)
    return types


def _message(
    result: ValidationResult,
    record: Record,
    values: Values,
    types: dict[str, list[str]],
    notes: ShapeNotes,
    spec: str | None,
) -> Message:
    note = notes.get(result.shape)
    found_values = _at_path(values, result.focus, result.path)
    term = _term(result, found_values)
    if term is not None:
        found = describe_term(term)
    elif result.value is not None:
        found = _shorten(result.value)
    elif result.component in CONSTRAINT_COUNTS or not found_values:
        found = "missing"
    else:
        found = f"{len(found_values)} value{'s' if len(found_values) != 1 else ''}"
    return Message(
        severity=result.severity,
        property=readable_property(result.path, note.name),
        found=found,
        expected=result.message,
        link=note.link or spec,
        about=_about(result.focus, record, types),
        focus=result.focus,
        path=result.path,
        value=result.value,
        shape=result.shape,
        component=result.component,
        value_term=term,
    )


def _at_path(values: Values, focus: str, path: str | None) -> list[ox.NamedNode | ox.BlankNode | ox.Literal]:
    if not path:
        return []
    if path.startswith("^"):
        return values.get(("^" + focus, path[1:]), [])
    return values.get((focus, path), [])


def _term(
    result: ValidationResult, found: list[ox.NamedNode | ox.BlankNode | ox.Literal]
) -> ox.NamedNode | ox.BlankNode | ox.Literal | None:
    """sh:value as the term in the data, so a literal keeps its datatype and an IRI stays an IRI."""
    if result.value is None:
        return None
    for term in found:
        if term.value == result.value:
            return term
    if result.value == result.focus or _looks_like_iri(result.value):
        return ox.NamedNode(result.value)
    return ox.Literal(result.value)


def _looks_like_iri(text: str) -> bool:
    return " " not in text and ("://" in text or text.startswith(("urn:", "mailto:", "tel:")))


def own_label(kind: str) -> str:
    """How a message names the record's own root resource."""
    return "the dataset" if kind == "dataset" else "the catalogue"


def _about(focus: str, record: Record, types: dict[str, list[str]]) -> str:
    """Which resource a message is about, in words."""
    if focus == record.uri:
        return own_label(record.kind)
    kinds = ", ".join(sorted(prefixed(t) for t in types.get(focus, ())))
    where = "a blank node" if SKOLEM_MARK in focus else f"<{focus}>"
    if not kinds:
        return where
    return f"{kinds} ({where})" if SKOLEM_MARK in focus else f"{kinds} {where}"


def prefixed(iri: str) -> str:
    """``http://purl.org/dc/terms/description`` → ``dct:description``; unknown namespaces stay whole."""
    for prefix, namespace in PREFIXES.items():
        if iri.startswith(namespace) and len(iri) > len(namespace):
            return f"{prefix}:{iri[len(namespace) :]}"
    return f"<{iri}>"


def readable_property(path: str | None, name: str | None = None) -> str:
    """``dct:description (description)``: the prefixed name and, when the shape has one, its name."""
    if not path:
        return "(the resource itself)"
    if path.startswith("^"):
        shown = f"inverse of {prefixed(path[1:])}"
    elif path.startswith("[") or path.startswith("_:"):
        shown = path  # a complex SHACL path, as N3
    else:
        shown = prefixed(path)
    return f"{shown} ({name})" if name else shown


def describe_term(term: ox.NamedNode | ox.BlankNode | ox.Literal) -> str:
    """A value as a steward would recognise it in their document."""
    if isinstance(term, ox.BlankNode) or (isinstance(term, ox.NamedNode) and SKOLEM_MARK in term.value):
        return "a blank node"
    if isinstance(term, ox.NamedNode):
        return f"<{_shorten(term.value)}>"
    text = '"' + _shorten(term.value) + '"'
    if term.language:
        return f"{text}@{term.language}"
    if term.datatype.value != str(XSD.string):
        return f"{text}^^{prefixed(term.datatype.value)}"
    return text


def _shorten(text: str) -> str:
    return text if len(text) <= MAX_SHOWN else text[: MAX_SHOWN - 1] + "…"
