"""The split step's page handling: what of a source's page is catalogue metadata, and text back to triples."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

import pyoxigraph as ox

from catalogue.namespaces import RDF_TYPE
from catalogue.sources.rdf import is_paging


def without_paging(quads: Iterable[ox.Quad]) -> Iterator[ox.Quad]:
    """Drop Hydra paging (views, next links): it differs page by page and is not catalogue metadata."""
    quads = list(quads)
    views = {q.subject for q in quads if q.predicate.value == RDF_TYPE and is_paging(q)}
    for quad in quads:
        if quad.subject not in views and not is_paging(quad):
            yield quad


def parse_lines(lines: Iterable[str]) -> list[ox.Triple]:
    """Triples kept as N-Triples lines without their final dot (a catalogue gathered over pages), parsed back."""
    text = "".join(f"{line} .\n" for line in lines)
    return [q.triple for q in ox.parse(text, format=ox.RdfFormat.N_TRIPLES)]
