"""Related datasets through the graph: what a dataset page and ``/api/datasets/{id}`` list beside it.

A researcher who found one dataset wants its neighbours: the other parts of
its series, its versions, what it was derived from (or what derives from it),
what it declares a relation to, datasets coded with the same conditions
(HealthDCAT-AP ``hasCodeValues``) and other datasets of its publisher. Each
comes with the reason it is listed.

The neighbours are found by SPARQL on the public dataset (the
``/sparql`` endpoint's: only visible — published or flagged — records),
through :class:`~catalogue.sparql.service.SparqlService`, so it runs in the same
killable worker processes, under the same guard, with a deadline of its own
(:data:`DEADLINE`, short: a page view must not wait on it). Each reason is a
sub-query with its own ``LIMIT`` (:data:`PER_REASON`), anchored on the
dataset and streamed (no grouping), so a publisher with 50,000 datasets costs
what one with six does; a second query looks the few neighbours up in the
provenance graph (``VALUES`` first). Joining the provenance graph inside the
first query made pyoxigraph read all of it: 4–12 s per branch at 10,000
datasets. When the query cannot be
answered in time (the endpoint busy, its first snapshot still being built)
the page is shown without the list rather than late: :func:`related_datasets`
then returns None.

Blank nodes are minted into per-record IRIs at harvest, so two records'
``[ foaf:name "X" ]`` publishers are different IRIs: such publishers (and
such codes) are matched by their name (or their ``dct:identifier`` /
``skos:notation``), named ones by their IRI.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import pyoxigraph as ox

from catalogue.search_sparql import PROLOGUE
from catalogue.sparql.service import SparqlError, SparqlService
from catalogue.store import VISIBLE, Store
from catalogue.views import dataset_view, pick_language

#: datasets listed per reason
PER_REASON = 5
#: neighbours looked at per reason before their type is checked, per dataset listed
CANDIDATES = 10
#: seconds the related datasets may take before the page is shown without them
DEADLINE = 3.0
#: why a dataset is listed, in the order the lists are shown
REASONS = ("series", "version", "derivation", "relation", "code", "publisher")
SKOLEM = "/.well-known/genid/"

#: per reason, the pattern that binds ?other (and ?via, what it shares, where there is one) from $this
PATTERNS = {
    "series": """
        { $this dcat:inSeries ?via . ?other dcat:inSeries ?via }
        UNION { $this dcat:inSeries ?other } UNION { ?other dcat:inSeries $this }""",
    "version": """
        { $this dct:isVersionOf|dct:hasVersion ?other } UNION { ?other dct:isVersionOf|dct:hasVersion $this }""",
    "derivation": """
        { $this prov:wasDerivedFrom ?other } UNION { ?other prov:wasDerivedFrom $this }""",
    "relation": """
        { $this dct:relation ?other } UNION { ?other dct:relation $this }""",
    "code": """
        { $this healthdcatap:hasCodeValues ?via . ?other healthdcatap:hasCodeValues ?via
          FILTER(!CONTAINS(STR(?via), "$skolem")) }
        UNION { $this healthdcatap:hasCodeValues ?mine . ?mine dct:identifier|skos:notation ?via .
                ?theirs dct:identifier|skos:notation ?via . ?other healthdcatap:hasCodeValues ?theirs }""",
    "publisher": """
        { $this dct:publisher ?via . ?other dct:publisher ?via FILTER(!CONTAINS(STR(?via), "$skolem")) }
        UNION { $this dct:publisher ?mine . ?mine foaf:name ?via FILTER(CONTAINS(STR(?mine), "$skolem"))
                ?theirs foaf:name ?via . ?other dct:publisher ?theirs }""",
}


@dataclass(frozen=True)
class Related:
    """One related dataset: its record, why it is listed, and what it shares (a series, code, publisher)."""

    id: str
    uri: str
    reason: str
    #: the shared series, code or publisher: an IRI, or a name / code when it had none (None: a direct link)
    via: str | None = None


def related_query(uri: str, per_reason: int = PER_REASON) -> str:
    """The SPARQL query listing a dataset's neighbours, at most ``per_reason`` for each reason.

    Each branch is anchored on the dataset and stops at its LIMIT (DISTINCT streams; no grouping,
    which would read every neighbour first); it looks at no more than ``per_reason`` ×
    :data:`CANDIDATES` neighbours before checking that they are datasets. ``uri`` is put in as a serialised IRI term (pyoxigraph
    refuses one that is not an IRI), never as text.
    """
    this = str(ox.NamedNode(uri))
    branches = []
    for reason in REASONS:
        pattern = PATTERNS[reason].replace("$this", this).replace("$skolem", SKOLEM)
        # the candidates first, then their type: joined in one pattern, pyoxigraph started from every
        # dcat:Dataset (1-3 s per branch at 5,000 datasets, for a branch with no neighbour at all)
        branches.append(
            f"""{{ SELECT DISTINCT ("{reason}" AS ?reason) ?other ?via WHERE {{
      {{ SELECT DISTINCT ?other ?via WHERE {{
        {pattern}
        FILTER(?other != {this})
      }} LIMIT {int(per_reason) * CANDIDATES} }}
      ?other a dcat:Dataset .
    }} LIMIT {int(per_reason)} }}"""
        )
    union = "\n  UNION ".join(branches)
    return f"{PROLOGUE}SELECT ?reason ?other ?via WHERE {{\n  {union}\n}}"


def records_query(uris: list[str], provenance: str) -> str:
    """The visible dataset records of these IRIs: ``VALUES`` first, so each is one lookup, not a scan."""
    values = " ".join(str(ox.NamedNode(uri)) for uri in uris)
    visible = ", ".join(str(ox.Literal(status)) for status in VISIBLE)
    return (
        f"{PROLOGUE}SELECT ?other ?id WHERE {{\n  VALUES ?other {{ {values} }}\n"
        f"  GRAPH {ox.NamedNode(provenance)} {{ ?record foaf:primaryTopic ?other ; cat:recordId ?id ;"
        ' cat:status ?status ; cat:kind "dataset" }\n'
        f"  FILTER(?status IN ({visible}))\n}}"
    )


def related_datasets(
    service: SparqlService,
    provenance: str,
    uri: str,
    per_reason: int = PER_REASON,
    timeout: float = DEADLINE,
) -> list[Related] | None:
    """A dataset's neighbours by reason (in :data:`REASONS` order); None when they could not be found in time.

    Two queries under one deadline: the neighbours' IRIs by reason, then their visible records
    (published or flagged; an IRI no visible record describes is left out). A dataset listed for
    several reasons is listed once, for the first.
    """
    deadline = time.monotonic() + timeout
    try:
        answer = service.execute(related_query(uri, per_reason), deadline=deadline, trusted=True)
        found: dict[str, tuple[str, str | None]] = {}
        for row in answer.rows or []:
            reason, other, via = (_text(row.get(name)) for name in ("reason", "other", "via"))
            if reason is not None and other is not None:
                known = found.get(other)
                if known is None or REASONS.index(reason) < REASONS.index(known[0]):
                    found[other] = (reason, via)
        if not found:
            return []
        records = service.execute(records_query(list(found), provenance), deadline=deadline, trusted=True)
    except SparqlError:  # busy, too slow, the snapshot not built yet: the page goes without
        return None
    ids = {_text(row.get("other")): _text(row.get("id")) for row in records.rows or []}
    items = [
        Related(record_id, other, reason, via)
        for other, (reason, via) in found.items()
        if (record_id := ids.get(other)) is not None
    ]
    return sorted(items, key=lambda item: REASONS.index(item.reason))


def _text(term: object) -> str | None:
    """An IRI's or a literal's text (None for anything else: unbound, a blank node)."""
    return term.value if isinstance(term, ox.NamedNode | ox.Literal) else None


def with_titles(store: Store, items: list[Related], lang: str) -> list[tuple[Related, str]]:
    """Each related dataset with its title in the visitor's language (one read of the registry for all)."""
    titles = {}
    for meta, triples in store.triples_of([item.id for item in items]):
        titles[meta.id] = pick_language(dataset_view(triples, meta.uri).title, lang) or meta.title
    return [(item, titles.get(item.id) or item.uri) for item in items]
