"""A SPARQL endpoint: the datasets it holds, a page of PAGE_SIZE at a time.

Pages:

1. the catalogues (every ``dcat:Catalog`` with its own triples and its blank
   nodes), without their ``dcat:dataset`` links, which can number thousands;
2. then, for each slice of dataset IRIs (``SELECT DISTINCT ?d … ORDER BY ?d
   LIMIT n OFFSET k``), one CONSTRUCT of those datasets and what hangs off them
   — up to HOPS steps away (distributions, their checksums and access
   services, agents, periods …), never through ``rdf:type`` and never into
   another catalogue or dataset — plus each catalogue's ``rdf:type`` and its
   ``dcat:dataset`` links to the slice, so the page says which catalogue holds
   them (the harvester merges a catalogue described on several pages).

Requests are SPARQL 1.1 Protocol POST forms (no URL length limit for the
CONSTRUCT's VALUES); answers are read as N-Triples or Turtle. A dataset that is
a blank node cannot be named in a second query, so only IRIs are harvested.
The ORDER BY keeps the slices stable while we page; an endpoint that changes
during a harvest can still shift datasets between slices.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator

from catalogue.fetch import InputError
from catalogue.namespaces import DCAT, RDF
from catalogue.parse import parse_document
from catalogue.sources.pages import Page, Reader

PAGE_SIZE = 100
HOPS = 3
RESULTS_JSON = "application/sparql-results+json"
GRAPH_FORMATS = "application/n-triples, text/turtle;q=0.9"
#: what SPARQL allows between < and > (IRIREF)
IRI_REF = re.compile(r'[^<>"{}|^`\\\x00-\x20]+')

PREFIXES = f"PREFIX dcat: <{DCAT}>\nPREFIX rdf: <{RDF}>\n"
#: a node we do not walk into: someone else's record
OTHER_RECORD = "FILTER NOT EXISTS {{ {node} a ?other . VALUES ?other {{ dcat:Catalog dcat:Dataset dcat:DatasetSeries }} }}"

CATALOGUES = (
    PREFIXES
    + """CONSTRUCT { ?c ?p ?o . ?o ?p2 ?o2 } WHERE {
  ?c a dcat:Catalog ; ?p ?o . FILTER(?p != dcat:dataset)
  OPTIONAL { FILTER(isBlank(?o)) ?o ?p2 ?o2 }
}"""
)


def walk(url: str, reader: Reader) -> Iterator[Page]:
    catalogues = reader.query(url, {"query": CATALOGUES}, GRAPH_FORMATS)
    quads = parse_document(catalogues)
    if quads:
        yield Page(url, quads, False)
    offset = 0
    while True:
        datasets = _select(reader, url, select_datasets(PAGE_SIZE, offset))
        if datasets:
            answer = reader.query(url, {"query": describe(datasets)}, GRAPH_FORMATS)
            yield Page(url, parse_document(answer), False)
        if len(datasets) < PAGE_SIZE:
            return
        offset += PAGE_SIZE


def select_datasets(limit: int, offset: int) -> str:
    """One slice of the dataset IRIs, in a stable order."""
    return (
        PREFIXES
        + "SELECT DISTINCT ?d WHERE { ?d a ?type . VALUES ?type { dcat:Dataset dcat:DatasetSeries } FILTER(isIRI(?d)) }"
        + f" ORDER BY ?d LIMIT {limit} OFFSET {offset}"
    )


def describe(datasets: list[str], hops: int = HOPS) -> str:
    """A CONSTRUCT of the datasets, what hangs off them up to ``hops`` away, and their catalogues' links."""
    # VALUES inside every branch, so each one starts from the datasets rather than the whole store
    values = "VALUES ?d { " + " ".join(f"<{iri}>" for iri in datasets) + " }"
    branches = [f"{{ {values} ?d ?p ?o . BIND(?d AS ?s) }}"]
    for depth in range(1, hops + 1):
        # ?d ?p0 ?n1 . ?n1 ?p1 ?n2 … ?n<depth> ?p ?o, never along rdf:type, never into another record
        nodes = ["?d"] + [f"?n{i}" for i in range(1, depth + 1)]
        steps = [f"{nodes[i]} ?p{i} {nodes[i + 1]} ." for i in range(depth)]
        guards = [
            f"FILTER(?p{i} != rdf:type) " + OTHER_RECORD.format(node=nodes[i + 1]) for i in range(depth)
        ]
        branches.append(
            f"{{ {values} " + " ".join(steps + guards) + f" ?n{depth} ?p ?o . BIND(?n{depth} AS ?s) }}"
        )
    branches.append(f"{{ {values} ?c a dcat:Catalog ; dcat:dataset ?d }}")
    template = "?s ?p ?o . ?c a dcat:Catalog ; dcat:dataset ?d"
    return PREFIXES + f"CONSTRUCT {{ {template} }} WHERE {{\n  " + "\n  UNION ".join(branches) + "\n}"


def _select(reader: Reader, url: str, query: str) -> list[str]:
    answer = reader.query(url, {"query": query}, RESULTS_JSON)
    try:
        rows = json.loads(answer.data)["results"]["bindings"]
        iris = [row["d"]["value"] for row in rows if row.get("d", {}).get("type") == "uri"]
    except (ValueError, KeyError, TypeError) as error:
        raise InputError(url, f"not a SPARQL JSON result ({error!r})") from None
    for iri in iris:
        if not IRI_REF.fullmatch(iri):  # it would break (or rewrite) the CONSTRUCT we put it in
            raise InputError(url, f"the endpoint returned a dataset IRI no query can name: {iri!r}")
    return iris
