"""Real DCAT-AP material nobody here wrote (../shared/corpus) goes through the pipeline.

Every example that parses (according to corpus/SOURCES.md) is harvested
without crashing; every one that does not parse fails with an error naming
the file. Skipped when ../shared is absent.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from catalogue.config import Source
from catalogue.harvest import harvest_source

#: Files rdflib accepts but our stricter parser (pyoxigraph) refuses, on purpose.
STRICTER = {
    # The published DCAT-AP 3.0.1 context defines terms such as "Xsd:dateTime",
    # which JSON-LD 1.1 forbids (a term with a colon must expand to itself). It holds no data.
    "examples/dcat-ap-3.0.1/dcat-ap.jsonld": "Inconsistent expansion of Xsd:",
    # An rdf:about with a space in it is not an IRI; storing it would make our
    # N-Triples, SPARQL results and feed invalid for every consumer.
    "examples/udata/geonetwork.xml": "Invalid IRI code point ' '",
}
ROW = re.compile(r"^\| `(examples/[^`]+)` \|.*\| (parses|does not parse)[^|]*\|\s*$")


def corpus_examples(corpus: Path) -> dict[str, bool]:
    """Example path -> whether SOURCES.md says it parses."""
    status = {}
    for line in (corpus / "SOURCES.md").read_text(encoding="utf-8").splitlines():
        if match := ROW.match(line):
            status[match[1]] = match[2] == "parses"
    return status


def test_every_corpus_example_harvests_or_fails_clearly(corpus: Path, open_catalogue) -> None:
    examples = corpus_examples(corpus)
    assert len(examples) > 150
    sources = [
        Source(name=f"s{i}", title=path, url=str(corpus / path), policy="warn")
        for i, path in enumerate(sorted(examples))
    ]
    backends = open_catalogue(*sources)
    unexpected = []
    for source in sources:
        run = harvest_source(source, backends).run
        parses = examples[source.title]
        if run.outcome == "ok":
            assert run.found >= 1
            if not parses:
                unexpected.append(f"{source.title}: SOURCES.md says it does not parse, but it harvested")
            continue
        assert source.url in run.error, run.error  # the message names the file
        if source.title in STRICTER:
            assert STRICTER[source.title] in run.error
        elif parses and "no dcat:Dataset" not in run.error:
            unexpected.append(f"{source.title}: {run.error}")
    # Documents that parse but hold no dcat:Dataset (a lone catalogue, licence lists,
    # LDES navigation pages, shapes test cases) are refused by design: harvesting them
    # would otherwise withdraw every record of the source.
    assert unexpected == [], "\n".join(unexpected)


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("examples/ckanext-dcat/dcat/dataset.ttl", r"healthdcatap.*line 149"),
        ("examples/dcat-ap-3.0.1/example-bee-population-dataset-series-api.ttl", r"line 20"),
        ("examples/ckanext-dcat/croissant/full_croissant_dataset.jsonld", r"not valid JSON.*line 78"),
        ("examples/udata/esri.jsonld", r"project-open-data\.cio\.gov"),
    ],
)
def test_broken_examples_give_a_precise_error(corpus: Path, open_catalogue, path: str, expected: str) -> None:
    source = Source(name="bad", title="bad", url=str(corpus / path))
    run = harvest_source(source, open_catalogue(source)).run
    assert run.outcome == "failed"
    assert re.search(expected, run.error), run.error


def test_real_multilingual_ldes_page_is_split_per_dataset(corpus: Path, open_catalogue) -> None:
    path = corpus / "examples/fedict-datagovbe-ldes/stream/root/bucket_2025-02-05_123187500_1/index.trig"
    source = Source(name="be", title="data.gov.be", url=str(path), policy="warn")
    backends = open_catalogue(source)
    run = harvest_source(source, backends).run
    assert run.outcome == "ok" and run.found == 100
    datasets = [m for m in backends.store.metas("be") if m.kind == "dataset"]
    assert len(datasets) == 100
