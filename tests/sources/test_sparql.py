"""The sparql kind, against a real SPARQL endpoint: the Oxigraph server (``pip install oxigraph``)."""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pyoxigraph as ox
import pytest

from catalogue.records import split_records
from catalogue.sources.sparql import PAGE_SIZE

DATASET = ox.NamedNode("http://www.w3.org/ns/dcat#Dataset")
COUNT = 2 * PAGE_SIZE + 30  # three slices, the last one short

PREFIXES = """@prefix dcat: <http://www.w3.org/ns/dcat#> .
@prefix dct: <http://purl.org/dc/terms/> .
@prefix foaf: <http://xmlns.com/foaf/0.1/> .
@prefix spdx: <http://spdx.org/rdf/terms#> .
@prefix vcard: <http://www.w3.org/2006/vcard/ns#> .
@prefix ex: <https://node.example/> .
"""


def endpoint_data() -> str:
    """A catalogue of COUNT datasets, each with a distribution (and its checksum) and a contact point."""
    lines = [
        PREFIXES,
        'ex:catalog a dcat:Catalog ; dct:title "Node"@en ; dct:publisher [ a foaf:Agent ; foaf:name "Hospital" ] .',
        'ex:org a foaf:Agent ; foaf:name "Shared publisher" .',
    ]
    for n in range(COUNT):
        lines.append(
            f"ex:catalog dcat:dataset ex:d{n:03} .\n"
            f'ex:d{n:03} a dcat:Dataset ; dct:title "Dataset {n}"@en ; dct:publisher ex:org ;\n'
            f'    dcat:contactPoint [ vcard:fn "Desk {n}" ] ; dcat:distribution ex:x{n:03} .\n'
            f'ex:x{n:03} a dcat:Distribution ; dct:title "File {n}" ;\n'
            f'    spdx:checksum [ spdx:checksumValue "sum{n}" ] .'
        )
    # a link to another dataset must not pull that dataset's description into this one's
    lines.append("ex:d000 dct:relation ex:d229 .")
    return "\n".join(lines) + "\n"


def oxigraph_binary() -> str | None:
    beside_python = Path(sys.executable).with_name("oxigraph")
    return str(beside_python) if beside_python.is_file() else shutil.which("oxigraph")


@pytest.fixture(scope="module")
def endpoint(tmp_path_factory) -> Iterator[str]:
    binary = oxigraph_binary()
    if binary is None:
        pytest.skip("the oxigraph server is not installed (pip install oxigraph)")
    folder = tmp_path_factory.mktemp("oxigraph")
    (folder / "data.ttl").write_text(endpoint_data())
    subprocess.run(
        [binary, "load", "--location", str(folder / "db"), "--file", str(folder / "data.ttl")],
        check=True,
        capture_output=True,
    )
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = subprocess.Popen(
        [binary, "serve-read-only", "--location", str(folder / "db"), "--bind", f"127.0.0.1:{port}"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        for _ in range(200):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.1).close()
                break
            except OSError:
                time.sleep(0.025)
        yield f"http://127.0.0.1:{port}/query"
    finally:
        server.terminate()
        server.wait(5)


def test_the_endpoint_is_read_catalogue_first_then_slices_of_datasets(endpoint: str, walked) -> None:
    pages = walked("sparql", endpoint)
    assert len(pages) == 1 + 3
    catalogue, *slices = pages
    assert not any(q.predicate.value.endswith("#dataset") for q in catalogue.quads), "links come with slices"
    per_slice = [len({q.subject.value for q in p.quads if q.object == DATASET}) for p in slices]
    assert per_slice == [PAGE_SIZE, PAGE_SIZE, COUNT - 2 * PAGE_SIZE]


def test_each_slice_is_self_contained(endpoint: str, walked) -> None:
    pages = walked("sparql", endpoint)
    datasets = {}
    for page in pages:
        for record in split_records(page.quads, "node", "http://catalogue.test"):
            if record.kind == "dataset":
                datasets[record.uri] = {t.object.value for t in record.triples}
    assert len(datasets) == COUNT
    first = datasets["https://node.example/d000"]
    # its distribution, the checksum hanging off that, its contact point, the shared publisher
    assert {"File 0", "sum0", "Desk 0", "Shared publisher"} <= first
    assert "Dataset 229" not in first, "a related dataset is a link, not part of the description"


def test_every_slice_says_which_catalogue_holds_its_datasets(endpoint: str, walked) -> None:
    pages = walked("sparql", endpoint)
    records = [r for page in pages for r in split_records(page.quads, "node", "http://catalogue.test")]
    assert {r.uri for r in records if r.kind == "catalog"} == {"https://node.example/catalog"}
    # each dataset's record carries its catalogue's link to it (catalogue.records.iter_records)
    links = {
        (t.subject.value, t.object.value)
        for r in records
        for t in r.triples
        if t.predicate.value.endswith("#dataset")
    }
    assert len(links) == COUNT
    assert {subject for subject, _ in links} == {"https://node.example/catalog"}


def test_an_endpoint_harvests_into_the_catalogue(endpoint: str, open_catalogue) -> None:
    from catalogue.config import Source
    from catalogue.harvest import harvest_source

    source = Source(name="sp", title="Endpoint", url=endpoint, kind="sparql", policy="warn")
    backends = open_catalogue(source)
    run = harvest_source(source, backends).run
    assert (run.outcome, run.kind, run.found, run.pages) == ("ok", "sparql", COUNT, 4), run.error
    again = harvest_source(source, backends).run
    assert (again.unchanged, again.changed, again.new) == (COUNT, 0, 0)
