"""Comparing the project's validation profiles with the official shapes on the shared corpus.

Used by tests/test_shapes.py (dcat-ap-3), tests/test_shapes_healthdcat.py
(healthdcat-ap) and tests/test_shapes_gdi.py (gdi). Run as a script it prints
the agreement tables, or with ``--write`` renews them in docs/agreement.md
(about a minute):

    .venv/bin/python tests/shape_agreement.py --write docs/agreement.md

The tests load this file through :func:`load` (pytest does not put tests/ on
sys.path), so all of them share one copy and its caches: each example file is
parsed once, and each *layer* of shapes runs once on it.

Layers. A profile is a chain of shapes files (ours: dcat-ap-3.ttl, then
healthdcat-ap.ttl, then gdi.ttl), and so is the official side (the DCAT-AP
3.0.0 SHACL, then the HealthDCAT-AP Release 5 shapes with the DCAT-AP module
they owl:import, then the GDI pieces). No file of a chain refers to a shape of
another file and no two define the same shape, so validating with the files
together gives exactly the union of validating with each (tests/test_profiles.py
checks this for ours); each layer's results are therefore computed once per
example file and reused by every profile that includes the layer.

Rule-level differences. Some official results are set aside before comparing,
but only where our shapes accept the value on purpose; the rules are listed
below per official layer (``SET_ASIDE``), with the reason. File-level
differences (``KNOWN_DIFFERENCES``) stay in each test file.
"""

from __future__ import annotations

import gc
import importlib.util
import json
import re
import sys
from collections.abc import Callable, Iterable
from functools import cache
from pathlib import Path
from typing import NamedTuple

import rdflib
from pyshacl import validate
from rdflib import BNode, Literal, Namespace, URIRef
from rdflib.namespace import RDF, RDFS, SH

from catalogue.validation.shapes import load_shapes

REPO = Path(__file__).resolve().parents[1]
SHAPES = REPO / "shapes"
CORPUS = REPO.parent / "shared" / "corpus"
EXAMPLES = CORPUS / "examples"
OFFICIAL = CORPUS / "shapes"

ADMS = Namespace("http://www.w3.org/ns/adms#")
DCAT = Namespace("http://www.w3.org/ns/dcat#")
DCATAP = Namespace("http://data.europa.eu/r5r/")
DCT = Namespace("http://purl.org/dc/terms/")
FOAF = Namespace("http://xmlns.com/foaf/0.1/")
LOCN = Namespace("http://www.w3.org/ns/locn#")
PROV = Namespace("http://www.w3.org/ns/prov#")
SPDX = Namespace("http://spdx.org/rdf/terms#")
VCARD = Namespace("http://www.w3.org/2006/vcard/ns#")
ACCESS = Namespace("http://publications.europa.eu/resource/authority/access-right/")

VIOLATION, WARNING = SH.Violation, SH.Warning


def _speed_up_pyshacl() -> None:
    """Let pyshacl look its constraint parameters up in a set instead of a list (same answers).

    The catalogue's validator does the same (catalogue/validate.py); done here too
    so that these tests do not depend on that module. Left alone when pyshacl
    does not have the layout we know.
    """
    try:
        import pyshacl.shape as shape_module
        from pyshacl.constraints import ALL_CONSTRAINT_PARAMETERS, CONSTRAINT_PARAMETERS_MAP
    except ImportError:
        return
    if isinstance(ALL_CONSTRAINT_PARAMETERS, list) and hasattr(shape_module, "Shape"):
        shape_module.CONSTRAINT_PARAMS = (frozenset(ALL_CONSTRAINT_PARAMETERS), CONSTRAINT_PARAMETERS_MAP)


_speed_up_pyshacl()


class Result(NamedTuple):
    severity: URIRef
    focus: rdflib.term.Node
    path: rdflib.term.Node | None
    component: URIRef
    value: rdflib.term.Node | None
    shape: rdflib.term.Node | None


def run(data: rdflib.Graph, shapes: rdflib.Graph) -> list[Result]:
    """Validate as the catalogue does (no inference) and return the top-level results.

    Only the report's own ``sh:result`` values count: results nested under
    ``sh:detail`` (from ``sh:node``) are explanations of another result.
    """
    gc.disable()  # pyshacl and rdflib make many small objects and no cycles worth collecting mid-run
    try:
        _, report, _ = validate(data, shacl_graph=shapes, inference="none", allow_warnings=True, inplace=True)
    finally:
        gc.enable()
    return [
        Result(
            report.value(node, SH.resultSeverity),
            report.value(node, SH.focusNode),
            report.value(node, SH.resultPath),
            report.value(node, SH.sourceConstraintComponent),
            report.value(node, SH.value),
            report.value(node, SH.sourceShape),
        )
        for node in report.objects(None, SH.result)
    ]


# ---------------------------------------------------------------------------
# The corpus
# ---------------------------------------------------------------------------

FORMATS = {
    ".ttl": "turtle",
    ".nt": "nt",
    ".nq": "nquads",
    ".trig": "trig",
    ".rdf": "xml",
    ".xml": "xml",
    ".owl": "xml",
    ".jsonld": "json-ld",
    ".json": "json-ld",
}


def corpus_present() -> bool:
    return (OFFICIAL / "dcat-ap-3.0.0" / "shacl" / "dcat-ap-SHACL.ttl").is_file() and EXAMPLES.is_dir()


def _remote_context(node: object) -> bool:
    """True when a JSON-LD document refers to a context on the web (parsing would fetch it)."""

    def remote(context: object) -> bool:
        if isinstance(context, str):
            return context.startswith(("http://", "https://"))
        if isinstance(context, list):
            return any(remote(c) for c in context)
        return isinstance(context, dict) and "@import" in context

    if isinstance(node, dict):
        return remote(node.get("@context")) or any(_remote_context(v) for v in node.values())
    if isinstance(node, list):
        return any(_remote_context(v) for v in node)
    return False


@cache
def load_example(path: Path) -> rdflib.Graph | None:
    """The file's triples (all graphs merged), or None when it cannot be read offline."""
    fmt = FORMATS.get(path.suffix)
    if fmt is None:
        return None
    if fmt == "json-ld":
        try:
            if _remote_context(json.loads(path.read_text(encoding="utf-8"))):
                return None
        except (ValueError, UnicodeDecodeError):
            return None
    try:
        if fmt in ("trig", "nquads"):
            dataset = rdflib.Dataset()
            dataset.parse(path, format=fmt)
            graph = rdflib.Graph()
            for s, p, o, _ in dataset.quads((None, None, None, None)):
                graph.add((s, p, o))
        else:
            graph = rdflib.Graph().parse(path, format=fmt)
    except Exception:  # any parser error: the file is a bad-input case, not ours to judge
        return None
    return graph if len(graph) else None


@cache
def examples() -> tuple[str, ...]:
    """Every example file (path under corpus/examples) that parses offline."""
    paths = sorted(p for p in EXAMPLES.rglob("*") if p.is_file())
    return tuple(p.relative_to(EXAMPLES).as_posix() for p in paths if load_example(p) is not None)


def example(name: str) -> rdflib.Graph:
    graph = load_example(EXAMPLES / name)
    assert graph is not None, name
    return graph


# ---------------------------------------------------------------------------
# The layers of shapes
# ---------------------------------------------------------------------------

GDI_PIECES = OFFICIAL / "gdi-metadata" / "PiecesShape"


def _gdi_pieces() -> rdflib.Graph:
    """The GDI pieces as their release intends them: Identifier.ttl uses the prefix foaf:
    without declaring it (rdflib stops there, so the shape that Dataset.ttl points at
    would be missing); the declaration is added here, in memory."""
    graph = rdflib.Graph()
    for path in sorted(GDI_PIECES.glob("*.ttl")):
        text = path.read_text(encoding="utf-8")
        if "@prefix foaf:" not in text:
            text = "@prefix foaf: <http://xmlns.com/foaf/0.1/> .\n" + text
        graph.parse(data=text, format="turtle")
    return graph


#: layer name -> how to build its shapes graph
LAYERS: dict[str, Callable[[], rdflib.Graph]] = {
    "ours:dcat-ap-3": lambda: load_shapes([SHAPES / "dcat-ap-3.ttl"]).graph,
    "ours:healthdcat-ap": lambda: load_shapes([SHAPES / "healthdcat-ap.ttl"]).graph,
    "ours:gdi": lambda: load_shapes([SHAPES / "gdi.ttl"]).graph,
    # DCAT-AP 3.0.0, the main SHACL generated from the model (all classes)
    "official:dcat-ap-3.0.0": lambda: load_shapes([OFFICIAL / "dcat-ap-3.0.0/shacl/dcat-ap-SHACL.ttl"]).graph,
    # HealthDCAT-AP Release 5 owl:imports the DCAT-AP 3.0.0 html/shacl/shapes.ttl and adds
    # its own constraints to the same shapes (same IRIs), so the two files are one layer
    "official:healthdcat-ap-r5": lambda: (
        load_shapes(
            [
                OFFICIAL / "dcat-ap-3.0.0/html-shacl/shapes.ttl",
                OFFICIAL / "healthdcat-ap-r5/healthdcatap-shacl.ttl",
            ]
        ).graph
    ),
    "official:gdi": _gdi_pieces,
}

#: profile -> (our layers, the official layers), the profile it extends first
PROFILES = {
    "dcat-ap-3": (("ours:dcat-ap-3",), ("official:dcat-ap-3.0.0",)),
    "healthdcat-ap": (
        ("ours:dcat-ap-3", "ours:healthdcat-ap"),
        ("official:dcat-ap-3.0.0", "official:healthdcat-ap-r5"),
    ),
    "gdi": (
        ("ours:dcat-ap-3", "ours:healthdcat-ap", "ours:gdi"),
        ("official:dcat-ap-3.0.0", "official:healthdcat-ap-r5", "official:gdi"),
    ),
}


TARGETS = (SH.targetClass, SH.targetNode, SH.targetObjectsOf, SH.targetSubjectsOf)


@cache
def layer_graph(layer: str) -> rdflib.Graph:
    """The layer's shapes, less those that can only give warnings or infos.

    Only sh:Violation results are compared; leaving the other shapes out
    changes no verdict but spares pyshacl most of its report writing (ours
    warn about a dozen recommended properties on every dataset).
    """
    graph = LAYERS[layer]()
    for shape, severity in list(graph.subject_objects(SH.severity)):
        if severity == VIOLATION:
            continue
        for owner in list(graph.subjects(SH.property, shape)):
            graph.remove((owner, SH.property, shape))
        for target in TARGETS:
            graph.remove((shape, target, None))
    return graph


@cache
def layer_results(layer: str, name: str) -> tuple[Result, ...]:
    return tuple(run(example(name), layer_graph(layer)))


def violations(results: Iterable[Result]) -> list[Result]:
    return [r for r in results if r.severity == VIOLATION]


#: what a shape may say about itself without reporting anything
_NOT_CONSTRAINTS = {
    *TARGETS,
    SH.property,
    SH.name,
    SH.description,
    SH.message,
    SH.severity,
    SH.order,
    SH.group,
}


def undocumented_shapes(graph: rdflib.Graph, specs: tuple[str, ...]) -> list[str]:
    """Shapes that lack a name, a link into one of ``specs``, or (when they report) a message and a severity.

    A shape reports when it is a property shape or has constraints of its own;
    a node shape that only groups property shapes needs a description instead.
    The alternatives inside sh:or / sh:not and qualified value shapes report
    nothing of their own and are not counted.
    """
    nested = (
        set(graph.objects(None, RDF.first))
        | set(graph.objects(None, SH.qualifiedValueShape))
        | set(graph.objects(None, SH["not"]))
    )
    shapes = {s for p in (SH.path, *TARGETS, SH.property) for s in graph.subjects(p, None)} - nested
    shapes |= set(graph.objects(None, SH.node)) | set(graph.objects(None, SH.property))

    def reports(shape: rdflib.term.Node) -> bool:
        own = {p for p in graph.predicates(shape, None) if str(p).startswith(str(SH))} - _NOT_CONSTRAINTS
        return bool(own)

    def documented(shape: rdflib.term.Node) -> bool:
        if graph.value(shape, SH.name) is None:
            return False
        if not any(str(link).startswith(specs) for link in graph.objects(shape, RDFS.seeAlso)):
            return False
        if reports(shape):
            return graph.value(shape, SH.message) is not None and graph.value(shape, SH.severity) is not None
        return graph.value(shape, SH.message) is not None or graph.value(shape, SH.description) is not None

    return sorted(str(s) for s in shapes if not documented(s))


# ---------------------------------------------------------------------------
# Rule-level differences: official results set aside, per official layer
# ---------------------------------------------------------------------------
#
# official:dcat-ap-3.0.0. Where the official shapes demand an rdf:type
# (sh:class) that our shapes do not, the official result is set aside, but only
# for the values our shapes accept instead:
#
#  a) Links to things described elsewhere (web pages, standards, licences,
#     legislation, access URLs, other records of the catalogue): any IRI or
#     blank node. The official shapes demand e.g. `a rdfs:Resource` on every
#     access URL and `a foaf:Document` on every landing page, which no
#     publisher states; and a record validated on its own cannot see the type
#     of a dataset described in another record.
#  b) Controlled vocabularies the specification prescribes: untyped IRIs *of
#     that vocabulary* (an EU language IRI is a dct:LinguisticSystem whether
#     or not the record says so). Out-of-vocabulary IRIs stay rejected by both.
#  c) Common subclasses of the required class (foaf:Organization for
#     foaf:Agent, vcard:Organization for vcard:Kind), which without reasoning
#     the official shapes do not recognise.

ANY = ""  # any IRI or blank node

LINK_PROPERTIES = (
    DCAT.landingPage, FOAF.page, FOAF.homepage, DCT.conformsTo, DCT.license, DCT.rights,
    DCT.provenance, DCT.relation, DCT.isReferencedBy, DCAT.accessURL, DCAT.downloadURL,
    DCAT.endpointURL, DCAT.endpointDescription, DCAT.themeTaxonomy, PROV.wasGeneratedBy,
    DCATAP.applicableLegislation, DCAT.theme, DCAT.dataset, DCAT.catalog, DCT.hasPart,
    FOAF.primaryTopic, DCAT.servesDataset, DCAT.inSeries, DCT.source, DCAT.hasVersion,
)  # fmt: skip
MAIN_CLASSES = (
    DCAT.Catalog, DCAT.Dataset, DCAT.DatasetSeries, DCAT.DataService, DCAT.Distribution,
    DCAT.CatalogRecord,
)  # fmt: skip
EU_VOCABULARY = "^http://publications\\.europa\\.eu/resource/authority/"
IANA = "^https?://www\\.iana\\.org/assignments/media-types/"

# (class targeted by the official shape, property) -> values accepted without a type
UNTYPED_VALUES_WE_ACCEPT: dict[tuple[URIRef, URIRef], str] = {
    **{(cls, prop): ANY for cls in MAIN_CLASSES for prop in LINK_PROPERTIES},
    **{
        (cls, prop): pattern
        for cls in MAIN_CLASSES
        for prop, pattern in (
            (DCT.language, EU_VOCABULARY + "language/"),
            (DCT.accrualPeriodicity, EU_VOCABULARY + "frequency/"),
            (DCT.accessRights, EU_VOCABULARY + "access-right/"),
            (
                DCT.spatial,
                EU_VOCABULARY + "(country|continent|place|atu)/|^https?://sws\\.geonames\\.org/",
            ),
        )
    },
    (DCAT.Dataset, DCT.type): ANY,
    (DCAT.DataService, DCT["format"]): ANY,
    (DCAT.CatalogRecord, ADMS.status): ANY,
    (DCAT.Relationship, DCT.relation): ANY,
    (DCAT.Relationship, DCAT.hadRole): ANY,
    (DCT.Location, LOCN.geometry): ANY,
    (DCAT.Distribution, DCT["format"]): EU_VOCABULARY + "file-type/",
    (DCAT.Distribution, DCAT.mediaType): IANA,
    (DCAT.Distribution, DCAT.compressFormat): IANA,
    (DCAT.Distribution, DCAT.packageFormat): IANA,
    (DCAT.Distribution, DCATAP.availability): EU_VOCABULARY + "planned-availability/",
    (DCAT.Distribution, ADMS.status): EU_VOCABULARY + "distribution-status/",
    (FOAF.Agent, DCT.type): "^http://purl\\.org/adms/publishertype/",
    (DCT.LicenseDocument, DCT.type): "^http://purl\\.org/adms/licencetype/",
    (SPDX.Checksum, SPDX.algorithm): "^http://spdx\\.org/rdf/terms#checksumAlgorithm_",
}
SUBCLASSES_WE_ACCEPT = {
    FOAF.Agent: {FOAF.Organization, FOAF.Person},
    VCARD.Kind: {VCARD.Organization, VCARD.Individual},
}


@cache
def _official_owner(layer: str) -> dict[rdflib.term.Node, rdflib.term.Node]:
    """Official property shape -> the class its node shape targets."""
    graph = layer_graph(layer)
    return {prop: graph.value(node, SH.targetClass) for node, prop in graph.subject_objects(SH.property)}


def _untyped_value_we_accept(layer: str, result: Result, data: rdflib.Graph) -> bool:
    """Rules a), b) and c) for an sh:class result."""
    if result.component != SH.ClassConstraintComponent or isinstance(result.value, Literal):
        return False
    required = layer_graph(layer).value(result.shape, SH["class"])
    if set(data.objects(result.value, RDF.type)) & SUBCLASSES_WE_ACCEPT.get(required, set()):
        return True
    pattern = UNTYPED_VALUES_WE_ACCEPT.get((_official_owner(layer).get(result.shape), result.path))
    if pattern is None:
        return False
    if pattern == ANY:
        return isinstance(result.value, URIRef | BNode)
    return isinstance(result.value, URIRef) and re.search(pattern, str(result.value)) is not None


# official:healthdcat-ap-r5. The Release 5 file is the NON_PUBLIC variant of the
# HealthDCAT-AP shapes; our healthdcat-ap covers the three EHDS access categories:
#
#  d) dct:accessRights sh:hasValue NON_PUBLIC: set aside when the dataset's
#     access rights are PUBLIC or RESTRICTED (both valid HealthDCAT-AP categories).
#  e) contact point, keyword, type and provenance (sh:minCount 1, mandatory for
#     NON_PUBLIC datasets only): set aside when the dataset is not NON_PUBLIC.
#  f) Distributions, samples and analytics are checked through sh:node
#     (Distribution_Shape), so a faulty distribution makes the *dataset* a focus
#     node as well. Ours report the distribution itself (it must be typed
#     dcat:Distribution, and a dataset is validated together with its
#     distributions, so the record's verdict is the same): set aside when the
#     value is typed dcat:Distribution.
#  g) The DCAT-AP 3.0.0 module it imports (html/shacl/shapes.ttl) is stricter than
#     the main DCAT-AP 3.0.0 SHACL, which our dcat-ap-3 follows, in two places,
#     both on catalogue records: it wants the primary topic typed as a catalogue,
#     dataset, data service or series (rule a), a link to a record described
#     elsewhere), and at most one dct:conformsTo (the main SHACL allows several).

HEALTH = Namespace("http://healthdataportal.eu/ns/health#")
NON_PUBLIC_ONLY = {DCAT.contactPoint, DCAT.keyword, DCT.type, DCT.provenance}
THROUGH_DISTRIBUTION_SHAPE = {DCAT.distribution, ADMS.sample, HEALTH.analytics}


def _health_rule_we_relax(result: Result, data: rdflib.Graph) -> bool:
    access = set(data.objects(result.focus, DCT.accessRights))
    if result.component == SH.HasValueConstraintComponent and result.path == DCT.accessRights:
        return bool(access & {ACCESS.PUBLIC, ACCESS.RESTRICTED}) and ACCESS.NON_PUBLIC not in access
    if result.component == SH.MinCountConstraintComponent and result.path in NON_PUBLIC_ONLY:
        return ACCESS.NON_PUBLIC not in access and (result.focus, RDF.type, DCAT.Dataset) in data
    if result.component == SH.NodeConstraintComponent and result.path in THROUGH_DISTRIBUTION_SHAPE:
        return (result.value, RDF.type, DCAT.Distribution) in data
    record = (result.focus, RDF.type, DCAT.CatalogRecord) in data
    if record and result.component == SH.NodeConstraintComponent and result.path == FOAF.primaryTopic:
        return isinstance(result.value, URIRef | BNode)
    return record and result.component == SH.MaxCountConstraintComponent and result.path == DCT.conformsTo


# official:gdi.
#
#  h) dct:type: the GDI shapes only allow
#     https://publications.europa.eu/resource/authority/dataset-type/SYNTHETIC_DATA, an
#     IRI that does not exist (the EU vocabulary is http://); the real IRI is set aside.

SYNTHETIC_DATA = URIRef("http://publications.europa.eu/resource/authority/dataset-type/SYNTHETIC_DATA")


def _gdi_rule_we_relax(result: Result, data: rdflib.Graph) -> bool:
    return (
        result.component == SH.InConstraintComponent
        and result.path == DCT.type
        and result.value == SYNTHETIC_DATA
    )


SET_ASIDE: dict[str, Callable[[Result, rdflib.Graph], bool]] = {
    "official:dcat-ap-3.0.0": lambda result, data: _untyped_value_we_accept(
        "official:dcat-ap-3.0.0", result, data
    ),
    "official:healthdcat-ap-r5": _health_rule_we_relax,
    "official:gdi": _gdi_rule_we_relax,
}


# ---------------------------------------------------------------------------
# Verdicts
# ---------------------------------------------------------------------------


@cache
def violating_focus_nodes(profile: str, name: str, official: bool) -> frozenset[rdflib.term.Node]:
    """The focus nodes with a Violation in one example file, by our profile or the official shapes."""
    ours, theirs = PROFILES[profile]
    data = example(name)
    focus: set[rdflib.term.Node] = set()
    for layer in theirs if official else ours:
        set_aside = SET_ASIDE.get(layer) if official else None
        focus |= {
            r.focus for r in violations(layer_results(layer, name)) if not (set_aside and set_aside(r, data))
        }
    return frozenset(focus)


class Comparison(NamedTuple):
    compared: list[str]
    #: file -> the focus nodes only we reject / only the official shapes reject (up to 5 each)
    differences: dict[str, dict[str, list[str]]]

    def unexpected(self, known: dict[str, str]) -> dict[str, dict[str, list[str]]]:
        return {f: d for f, d in self.differences.items() if f not in known}

    def stale(self, known: dict[str, str]) -> list[str]:
        return sorted(set(known) - set(self.differences))


@cache
def compare(profile: str) -> Comparison:
    compared, differences = [], {}
    for name in examples():
        compared.append(name)
        ours = violating_focus_nodes(profile, name, official=False)
        theirs = violating_focus_nodes(profile, name, official=True)
        if ours != theirs:
            differences[name] = {
                "only ours": sorted(map(str, ours - theirs))[:5],
                "only official": sorted(map(str, theirs - ours))[:5],
            }
    return Comparison(compared, differences)


# ---------------------------------------------------------------------------
# docs/agreement.md
# ---------------------------------------------------------------------------


def _known_differences(test_file: str) -> dict[str, str]:
    spec = importlib.util.spec_from_file_location(
        f"_agreement_{Path(test_file).stem}", Path(__file__).parent / test_file
    )
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.KNOWN_DIFFERENCES


TEST_FILES = {
    "dcat-ap-3": "test_shapes.py",
    "healthdcat-ap": "test_shapes_healthdcat.py",
    "gdi": "test_shapes_gdi.py",
}


def table() -> str:
    """The agreement table: per profile and corpus folder, files, agreeing verdicts, deliberate differences."""
    lines = []
    for profile, test_file in TEST_FILES.items():
        comparison = compare(profile)
        known = _known_differences(test_file)
        lines += [
            f"### `{profile}`",
            "",
            "| corpus folder | files | agreeing verdicts | deliberate differences | other differences |",
            "|---|---:|---:|---:|---:|",
        ]
        folders: dict[str, list[str]] = {}
        for name in comparison.compared:
            folders.setdefault(name.split("/", 1)[0], []).append(name)
        totals = [0, 0, 0, 0]
        for folder, names in sorted(folders.items()):
            different = [n for n in names if n in comparison.differences]
            row = [
                len(names),
                len(names) - len(different),
                sum(n in known for n in different),
                sum(n not in known for n in different),
            ]
            totals = [a + b for a, b in zip(totals, row, strict=True)]
            lines.append(f"| {folder} | " + " | ".join(map(str, row)) + " |")
        lines.append("| **all** | " + " | ".join(f"**{t}**" for t in totals) + " |")
        lines.append("")
        by_reason: dict[str, list[str]] = {}
        for name, why in sorted(known.items()):
            by_reason.setdefault(why, []).append(name)
        if by_reason:
            lines += ["Deliberate differences (each a record we reject and the official shapes accept):", ""]
            for why, names in by_reason.items():
                lines.append(f"* {why}: " + ", ".join(f"`{n}`" for n in names))
            lines.append("")
    return "\n".join(lines)


START, END = "<!-- agreement table: start -->", "<!-- agreement table: end -->"


def write(path: Path) -> None:
    """Replace the generated part of ``path`` (between START and END) with a fresh table."""
    text = path.read_text(encoding="utf-8")
    before, rest = text.split(START, 1)
    _, after = rest.split(END, 1)
    path.write_text(f"{before}{START}\n{table()}\n{END}{after}", encoding="utf-8")


if __name__ == "__main__":
    sys.modules.setdefault("shape_agreement", sys.modules[__name__])  # the test files load this copy
    if not corpus_present():
        sys.exit(f"no shared corpus at {CORPUS}")
    if sys.argv[1:2] == ["--write"]:
        write(Path(sys.argv[2]) if len(sys.argv) > 2 else REPO / "docs" / "agreement.md")
    else:
        print(table())
