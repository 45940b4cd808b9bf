"""The demo generator: every node parses, the numbers add up, the output is reproducible."""

from __future__ import annotations

import gzip
import json
import os
import subprocess
import sys
from collections import defaultdict
from pathlib import Path

import pyoxigraph as ox
import pytest

from catalogue.demo.generated import generate_catalog
from catalogue.demo.nodes import DemoNode, write_demo_config, write_demo_nodes
from catalogue.demo.tables import INVALID_KINDS, NODES
from catalogue.namespaces import DCAT, DCT, EU_AUTHORITY, HEALTHDCATAP, RDF_TYPE, SKOS, XSD

FORMATS = {
    ".ttl": ox.RdfFormat.TURTLE,
    ".rdf": ox.RdfFormat.RDF_XML,
    ".jsonld": ox.RdfFormat.JSON_LD,
    ".nt": ox.RdfFormat.N_TRIPLES,
    ".trig": ox.RdfFormat.TRIG,
}
DC11_TITLE = "http://purl.org/dc/elements/1.1/title"
EHDS = "http://data.europa.eu/eli/reg/2025/327/oj"
LANGUAGE_IRIS = {
    "en": "ENG", "nl": "NLD", "fr": "FRA", "de": "DEU", "fi": "FIN", "sv": "SWE", "es": "SPA", "pt": "POR",
}  # fmt: skip
FILE_TYPES = {"CSV", "TSV", "JSON", "XML", "PDF", "ZIP", "GZIP", "RDF_TURTLE", "HTML"}


@pytest.fixture(scope="module")
def nodes(tmp_path_factory) -> list[DemoNode]:
    return write_demo_nodes(tmp_path_factory.mktemp("demo"))


def parse(path: Path) -> list[ox.Quad]:
    """Parse a demo file with pyoxigraph, decompressing .gz first."""
    data = path.read_bytes()
    suffixes = path.suffixes
    if suffixes[-1] == ".gz":
        data = gzip.decompress(data)
        suffixes = suffixes[:-1]
    return list(ox.parse(data, format=FORMATS[suffixes[-1]]))


class Graph:
    """Just enough of a graph to ask questions of parsed quads."""

    def __init__(self, quads: list[ox.Quad]) -> None:
        self.edges: dict[ox.Term, list[tuple[str, ox.Term]]] = defaultdict(list)
        for quad in quads:
            self.edges[quad.subject].append((quad.predicate.value, quad.object))

    def objects(self, subject: ox.Term, predicate: str) -> list[ox.Term]:
        return [o for p, o in self.edges.get(subject, ()) if p == predicate]

    def of_type(self, cls: str) -> list[ox.Term]:
        return [s for s, pairs in self.edges.items() if (RDF_TYPE, ox.NamedNode(cls)) in pairs]


def invalid_kinds(graph: Graph, dataset: ox.Term) -> set[str]:
    """Which of the deliberate DCAT-AP 3 mistakes a dataset makes."""
    kinds = set()
    if not graph.objects(dataset, DCT + "description"):
        kinds.add("missing-description")
    if not graph.objects(dataset, DCT + "title"):
        kinds.add("legacy-title")
    if any(isinstance(p, ox.Literal) for p in graph.objects(dataset, DCT + "publisher")):
        kinds.add("publisher-literal")
    for distribution in graph.objects(dataset, DCAT + "distribution"):
        if not graph.objects(distribution, DCAT + "accessURL"):
            kinds.add("distribution-without-access-url")
        for size in graph.objects(distribution, DCAT + "byteSize"):
            if size.datatype != ox.NamedNode(XSD + "nonNegativeInteger"):
                kinds.add("byte-size-text")
    return kinds


def test_the_nodes_of_the_signatories_are_there(nodes):
    names = {node.name for node in nodes}
    assert {"be", "nl", "fi", "se", "es", "pt", "lu"} <= names
    assert [node.name for node in nodes] == [spec.name for spec in NODES]
    for node in nodes:
        assert node.country == node.name.upper()
        assert "(demo)" in node.title


def test_every_syntax_is_written_once_at_least(nodes):
    suffixes = {"".join(node.path.suffixes) for node in nodes}
    assert {".ttl", ".rdf", ".jsonld", ".nt", ".trig", ".ttl.gz"} <= suffixes
    for node in nodes:
        assert node.path.name == f"{node.name}{''.join(node.path.suffixes)}"


def test_every_file_parses_and_has_the_datasets_it_claims(nodes):
    for node in nodes:
        quads = parse(node.path)
        graph = Graph(quads)
        datasets = graph.of_type(DCAT + "Dataset")
        catalogs = graph.of_type(DCAT + "Catalog")
        assert len(datasets) == node.datasets, node.name
        assert len(catalogs) == 1, node.name
        assert set(graph.objects(catalogs[0], DCAT + "dataset")) == set(datasets)
        assert all(q.graph_name == ox.DefaultGraph() for q in quads), "TriG data belongs in the default graph"
        domain = f"https://demo-{node.name}.catalogue.example/dataset/"
        assert all(d.value.startswith(domain) for d in datasets), node.name


def test_dataset_counts_vary_by_about_twenty_percent(tmp_path):
    counts = set()
    for seed in (1, 2, 3):
        for node in write_demo_nodes(tmp_path / str(seed), seed=seed, datasets_per_node=30):
            assert 24 <= node.datasets - node.curated <= 36
            counts.add(node.datasets)
    assert len(counts) > 3


def test_jsonld_carries_its_context_inline(nodes):
    """No remote @context: the harvester must be able to read it offline."""
    jsonld = [node for node in nodes if node.path.suffix == ".jsonld"]
    assert jsonld
    for node in jsonld:
        document = json.loads(node.path.read_text(encoding="utf-8"))
        assert isinstance(document["@context"], dict)
        assert all(isinstance(v, str) and v.startswith("http") for v in document["@context"].values())


def test_the_compressed_node_is_gzip(nodes):
    compressed = [node for node in nodes if node.path.suffix == ".gz"]
    assert compressed
    for node in compressed:
        assert node.path.read_bytes()[:2] == b"\x1f\x8b"


def test_same_seed_same_bytes_other_seed_other_data(tmp_path):
    first = write_demo_nodes(tmp_path / "a", seed=7, datasets_per_node=12)
    second = write_demo_nodes(tmp_path / "b", seed=7, datasets_per_node=12)
    other = write_demo_nodes(tmp_path / "c", seed=8, datasets_per_node=12)
    for a, b, c in zip(first, second, other, strict=True):
        assert a.path.read_bytes() == b.path.read_bytes(), a.name
        assert (a.datasets, a.invalid) == (b.datasets, b.invalid)
        assert a.path.read_bytes() != c.path.read_bytes(), a.name


def test_bytes_do_not_depend_on_pythons_hash_seed(tmp_path):
    """Set and dict order change with PYTHONHASHSEED; the files must not."""
    script = (
        "import sys; from pathlib import Path; from catalogue.demo.nodes import write_demo_nodes; from catalogue.demo.generated import generate_catalog; "
        "out = Path(sys.argv[1]); write_demo_nodes(out, datasets_per_node=8); "
        "(out / 'bench.ttl').write_bytes(generate_catalog(40, invalid_every=6))"
    )
    root = Path(__file__).resolve().parents[1]
    for hash_seed in ("1", "2"):
        env = {**os.environ, "PYTHONHASHSEED": hash_seed, "PYTHONPATH": str(root)}
        subprocess.run(
            [sys.executable, "-c", script, str(tmp_path / hash_seed)], check=True, env=env, cwd=root
        )
    files = sorted(p.name for p in (tmp_path / "1").iterdir())
    assert len(files) == len(NODES) + 1
    for name in files:
        assert (tmp_path / "1" / name).read_bytes() == (tmp_path / "2" / name).read_bytes(), name


def test_about_one_in_twelve_datasets_is_invalid_and_still_has_a_title(nodes):
    seen_kinds = set()
    for node in nodes:
        graph = Graph(parse(node.path))
        invalid = 0
        for dataset in graph.of_type(DCAT + "Dataset"):
            kinds = invalid_kinds(graph, dataset)
            assert len(kinds) <= 1, (node.name, dataset, kinds)
            if kinds:
                invalid += 1
                seen_kinds |= kinds
                assert graph.objects(dataset, DCT + "title") or graph.objects(dataset, DC11_TITLE)
        assert invalid == node.invalid == round((node.datasets - node.curated) / 12), node.name
    assert seen_kinds == set(INVALID_KINDS)


def test_datasets_are_described_in_the_nodes_languages(nodes):
    for node in nodes:
        spec = next(s for s in NODES if s.name == node.name)
        graph = Graph(parse(node.path))
        seen, partial = set(), False
        for dataset in graph.of_type(DCAT + "Dataset"):
            titles = graph.objects(dataset, DCT + "title") or graph.objects(dataset, DC11_TITLE)
            languages = {t.language for t in titles}
            assert languages and languages <= set(spec.languages), (node.name, languages)
            keywords = {k.language for k in graph.objects(dataset, DCAT + "keyword")}
            assert keywords == languages
            declared = {o.value for o in graph.objects(dataset, DCT + "language")}
            assert declared == {f"{EU_AUTHORITY}language/{LANGUAGE_IRIS[lang]}" for lang in languages}
            seen |= languages
            partial |= languages != set(spec.languages)
        assert seen == set(spec.languages), node.name
        assert partial, f"{node.name}: every dataset is in every language"


def test_values_come_from_the_expected_vocabularies(nodes):
    graph = Graph([q for node in nodes for q in parse(node.path)])
    datasets = graph.of_type(DCAT + "Dataset")
    themes = [t.value for d in datasets for t in graph.objects(d, DCAT + "theme")]
    assert all(t.startswith(EU_AUTHORITY + "data-theme/") for t in themes)
    assert themes.count(EU_AUTHORITY + "data-theme/HEAL") > 0.8 * len(datasets)
    rights = {r.value.rsplit("/", 1)[-1] for d in datasets for r in graph.objects(d, DCT + "accessRights")}
    assert rights == {"PUBLIC", "RESTRICTED", "NON_PUBLIC"}
    for dataset in datasets:
        assert EHDS in {
            law.value for law in graph.objects(dataset, "http://data.europa.eu/r5r/applicableLegislation")
        }
        assert 1 <= len(graph.objects(dataset, DCAT + "distribution")) <= 3
    # one hand-written record (nl: the platforms' quality controls) has no health facts at all
    health = [d for d in datasets if graph.objects(d, HEALTHDCATAP + "hdab")]
    assert len(datasets) - len(health) == 1
    for dataset in health:
        assert graph.objects(dataset, HEALTHDCATAP + "healthCategory")
        assert graph.objects(dataset, HEALTHDCATAP + "numberOfUniqueIndividuals")
    for distribution in graph.of_type(DCAT + "Distribution"):
        for file_type in graph.objects(distribution, DCT + "format"):
            assert file_type.value.removeprefix(EU_AUTHORITY + "file-type/") in FILE_TYPES
        for licence in graph.objects(distribution, DCT + "license"):
            assert licence.value.startswith(EU_AUTHORITY + "licence/")


def test_demo_config_points_at_the_written_nodes(tmp_path):
    from catalogue.config import load_settings

    path = write_demo_config(tmp_path / "demo", base_url="http://127.0.0.1:8123", datasets_per_node=5)
    settings = load_settings(path)
    assert settings.base_url == "http://127.0.0.1:8123"
    assert [s.name for s in settings.sources] == [spec.name for spec in NODES]
    for source in settings.sources:
        assert Path(source.url).is_file()


def test_generate_catalog_has_n_datasets_and_one_catalog():
    data = generate_catalog(50)
    quads = list(ox.parse(data, format=ox.RdfFormat.TURTLE))
    graph = Graph(quads)
    datasets = graph.of_type(DCAT + "Dataset")
    catalogs = graph.of_type(DCAT + "Catalog")
    assert len(datasets) == 50
    assert len(catalogs) == 1
    assert set(graph.objects(catalogs[0], DCAT + "dataset")) == set(datasets)
    assert 25 * 50 <= len(quads) <= 40 * 50 + 100  # plus agents and vocabulary typing
    assert any(isinstance(q.subject, ox.BlankNode) for q in quads)
    assert all(isinstance(d, ox.NamedNode) for d in datasets)
    assert all(graph.objects(d, DCT + "description") for d in datasets)


def test_generate_catalog_is_deterministic_and_marks_every_kth_invalid():
    assert generate_catalog(20, seed=3) == generate_catalog(20, seed=3)
    assert generate_catalog(20, seed=3) != generate_catalog(20, seed=4)
    graph = Graph(list(ox.parse(generate_catalog(50, invalid_every=5), format=ox.RdfFormat.TURTLE)))
    missing = sorted(
        d.value for d in graph.of_type(DCAT + "Dataset") if not graph.objects(d, DCT + "description")
    )
    assert missing == [f"https://bench.example.org/dataset/{n:06d}" for n in range(5, 51, 5)]


def test_the_validator_rejects_exactly_the_invalid_demo_datasets(nodes):
    """End to end with the project's DCAT-AP 3 shapes: the demo's numbers are what users see."""
    from catalogue.records import split_records
    from catalogue.validation.profiles import profile_shapes
    from catalogue.validation.validator import validate_records

    try:
        shapes = profile_shapes("dcat-ap-3")
    except FileNotFoundError:
        pytest.skip("the dcat-ap-3 shapes are not present")
    for node in nodes:
        records = split_records(parse(node.path), node.name, "http://catalogue.test")
        reports = validate_records(records, shapes=shapes)
        rejected = [r for r in records if not reports[r.id].conforms]
        assert all(r.kind == "dataset" for r in rejected), node.name
        assert len(rejected) == node.invalid, (node.name, [r.title for r in rejected])


# -- HealthDCAT-AP facts (issue 13, item 8) ------------------------------------------------

CODE_SYSTEMS = {
    "http://www.wikidata.org/entity/Q45127": "ICD-10",
    "http://www.wikidata.org/entity/Q192093": "ATC",
    "http://www.wikidata.org/entity/Q1753681": "SNOMED-CT",
    "http://www.orpha.net/ontology/orphanet.owl": "ORPHA",
}


def codes_of(graph: Graph, dataset: ox.Term) -> set[str]:
    """The dct:identifier of every code value, checked to be described as HealthDCAT-AP asks."""
    found = set()
    for code in graph.objects(dataset, HEALTHDCATAP + "hasCodeValues"):
        (identifier,) = graph.objects(code, DCT + "identifier")
        (scheme,) = graph.objects(code, SKOS + "inScheme")
        assert identifier.datatype == ox.NamedNode(XSD + "anyURI")
        system = CODE_SYSTEMS[scheme.value]
        assert identifier.value.startswith(system + ":")
        assert scheme in graph.objects(dataset, HEALTHDCATAP + "hasCodingSystem")
        found.add(identifier.value)
    return found


def texts_of(graph: Graph, dataset: ox.Term) -> list[ox.Literal]:
    """Everything a person reads about the dataset itself."""
    predicates = (DCT + "title", DCT + "description", DCAT + "keyword", HEALTHDCATAP + "populationCoverage")
    return [text for p in predicates for text in graph.objects(dataset, p)]


def by_node(nodes: list[DemoNode]) -> dict[str, Graph]:
    return {node.name: Graph(parse(node.path)) for node in nodes}


def test_every_node_has_coded_datasets_and_datasets_without_codes(nodes):
    systems = set()
    for name, graph in by_node(nodes).items():
        coded = [d for d in graph.of_type(DCAT + "Dataset") if codes_of(graph, d)]
        plain = [d for d in graph.of_type(DCAT + "Dataset") if not codes_of(graph, d)]
        assert coded and plain, name
        systems |= {code.split(":")[0] for d in coded for code in codes_of(graph, d)}
    assert systems == set(CODE_SYSTEMS.values())


def test_a_finnish_only_record_is_coded_c50_4_and_never_says_breast(nodes):
    graph = by_node(nodes)["fi"]
    coded = [d for d in graph.of_type(DCAT + "Dataset") if "ICD-10:C50.4" in codes_of(graph, d)]
    (dataset,) = [d for d in coded if {text.language for text in texts_of(graph, d)} == {"fi"}]
    texts = texts_of(graph, dataset)
    assert not any(word in text.value.lower() for text in texts for word in ("breast", "rinta", "borst"))
    numbers = {
        p: graph.objects(dataset, HEALTHDCATAP + p)[0].value for p in ("minTypicalAge", "maxTypicalAge")
    }
    assert numbers == {"minTypicalAge": "31", "maxTypicalAge": "78"}


def test_dutch_german_and_both_english_spellings_are_in_the_demo(nodes):
    graphs = by_node(nodes)

    def records(name: str, word: str) -> list[list[ox.Literal]]:
        graph = graphs[name]
        found = [texts_of(graph, d) for d in graph.of_type(DCAT + "Dataset")]
        return [texts for texts in found if any(word in text.value for text in texts)]

    assert any({text.language for text in texts} == {"nl"} for texts in records("nl", "borstkanker"))
    assert records("lu", "Darmkrebs")
    # British spellings in Belgium's English, American ones in Sweden's
    assert records("be", "paediatric haematology") and records("be", "leukaemia")
    assert records("se", "pediatric hematology") and records("se", "leukemia")
