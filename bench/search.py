"""Search index benchmark: index N synthetic records, then time mixed queries.

Builds an embedded (tantivy) index of N documents in a temporary directory
(titles, descriptions and keywords in English, Dutch and French, about 60
words per language, 8 facets), then runs mixed queries — a word or two plus
two facet filters, facets computed — and prints indexing time and query
latency (p50/p95/max), in-process. With an Elasticsearch cluster (``--es-url``
or ``$CATALOGUE_TEST_ES_URL``; an API key in ``$CATALOGUE_ES_API_KEY``) the
same documents and queries run against it too, side by side, under a
throwaway index prefix that is deleted afterwards.

    python bench/search.py             # 10,000 documents, 200 queries
    python bench/search.py -n 50000 -q 500
    python bench/search.py --es-url http://127.0.0.1:9200   # after `docker compose up elasticsearch`

The documents come from :func:`synthetic_documents`; swap in another factory
(e.g. documents built from the demo generator) without touching the timing.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

from catalogue.config import SearchSettings
from catalogue.index import (
    SearchBackendError,
    SearchDocument,
    SearchIndex,
    SearchQuery,
    SearchResults,
)
from catalogue.index.opening import open_index


def _words(text: str) -> list[str]:
    return text.split()


WORDS = {
    "en": _words(
        "data health patient cancer genome sequencing cohort study clinical registry hospital survey "
        "population disease treatment outcome biobank sample variant gene expression protein analysis "
        "research national regional annual monitoring surveillance infection vaccine mortality birth "
        "child adult elderly care primary record imaging diagnosis therapy rare inherited screening "
        "statistics dataset collection measurement laboratory blood tissue follow trial drug safety "
        "exposure environment air quality nutrition obesity diabetes heart stroke mental wellbeing"
    ),
    "nl": _words(
        "gegevens gezondheid patiënt kanker genoom sequentie cohort onderzoek klinisch register "
        "ziekenhuis enquête bevolking ziekte behandeling uitkomst biobank monster variant genen "
        "expressie eiwit analyse nationaal regionaal jaarlijks bewaking infectie vaccin sterfte geboorte "
        "kind volwassene ouderen zorg eerstelijns dossier beeldvorming diagnose therapie zeldzaam erfelijk "
        "screening statistiek verzameling meting laboratorium bloed weefsel proef geneesmiddel veiligheid "
        "blootstelling omgeving lucht kwaliteit voeding overgewicht hart beroerte psychisch welzijn genomen"
    ),
    "fr": _words(
        "données santé patient cancer génome séquençage cohorte étude clinique registre hôpital enquête "
        "population maladie traitement résultat biobanque échantillon variant gène expression protéine "
        "analyse national régional annuel suivi surveillance infection vaccin mortalité naissance enfant "
        "adulte âgées soins primaires dossier imagerie diagnostic thérapie rare héréditaire dépistage "
        "statistique collecte mesure laboratoire sang tissu essai médicament sécurité exposition "
        "environnement air qualité nutrition obésité diabète cœur accident mentale bienêtre génomiques"
    ),
}
FILLER = {
    "en": _words("the of and in for with from on by a to"),
    "nl": _words("de het van en in voor met uit op door een"),
    "fr": _words("le la les de des et en pour avec du sur"),
}
EU = "http://publications.europa.eu/resource/authority/"
THEMES = [
    f"{EU}data-theme/{code}"
    for code in _words("AGRI ECON EDUC ENER ENVI GOVE HEAL INTR JUST REGI SOCI TECH TRAN")
]
THEME_LABELS = {"HEAL": ["Health", "Gezondheid", "Santé", "Gesundheit"], "SOCI": ["Society", "Samenleving"]}
FORMATS = [f"{EU}file-type/{code}" for code in _words("CSV JSON XML RDF_TURTLE PDF XLSX ZIP PARQUET VCF BAM")]
LICENSES = [
    f"{EU}licence/{code}"
    for code in _words("CC_BY_4_0 CC0 CC_BY_SA_4_0 ODC_BY OP_DATPRO MIT APACHE_2_0 GPL_3_0")
]
ACCESS = [f"{EU}access-right/{code}" for code in ("PUBLIC", "RESTRICTED", "NON_PUBLIC")]
LANGUAGES = [f"{EU}language/{code}" for code in ("ENG", "NLD", "FRA", "DEU", "FIN")]


def synthetic_documents(n: int, seed: int = 7) -> list[SearchDocument]:
    """n documents with a realistic shape: 3 languages, ~60 words each, 8 facets."""
    rng = random.Random(seed)
    rare = [f"marker{i}" for i in range(3000)]  # a long tail of rare terms
    keywords = [f"{rng.choice(WORDS['en'])} {rng.choice(WORDS['en'])}" for _ in range(600)]
    publishers = [f"https://example.org/org/{i}" for i in range(60)]
    sources = [f"node{i}" for i in range(6)]
    zipf = {lang: [1 / (rank + 1) for rank in range(len(words))] for lang, words in WORDS.items()}
    start = datetime(2010, 1, 1, tzinfo=UTC)

    def sentence(lang: str, length: int) -> str:
        picked = rng.choices(WORDS[lang], weights=zipf[lang], k=length)
        out = []
        for word in picked:
            out.append(word)
            if rng.random() < 0.3:
                out.append(rng.choice(FILLER[lang]))
            if rng.random() < 0.05:
                out.append(rng.choice(rare))
        return " ".join(out)

    documents = []
    for i in range(n):
        themes = rng.sample(THEMES, k=rng.randint(1, 3))
        title = {lang: [sentence(lang, 6).capitalize()] for lang in WORDS}
        labels = [label for theme in themes for label in THEME_LABELS.get(theme.rsplit("/", 1)[1], [])]
        documents.append(
            SearchDocument(
                id=f"rec-{i:06d}",
                uri=f"https://example.org/dataset/{i}",
                source=rng.choice(sources),
                title=title,
                description={lang: [sentence(lang, 40)] for lang in WORDS},
                keywords={"en": rng.sample(keywords, k=rng.randint(2, 5))},
                labels=labels,
                facets={
                    "publisher": [rng.choice(publishers)],
                    "theme": themes,
                    "keyword": rng.sample(keywords, k=rng.randint(2, 5)),
                    "format": rng.sample(FORMATS, k=rng.randint(1, 3)),
                    "license": [rng.choice(LICENSES)],
                    "access_rights": [rng.choice(ACCESS)],
                    "language": rng.sample(LANGUAGES, k=rng.randint(1, 2)),
                },
                modified=start + timedelta(days=rng.randint(0, 5000)) if rng.random() < 0.9 else None,
                sort_title=title["en"][0].casefold(),
            )
        )
    for document in documents:
        document.facets["source"] = [document.source]
    return documents


def mixed_queries(documents: list[SearchDocument], count: int, seed: int = 11) -> list[SearchQuery]:
    """A word or two plus two facet filters taken from a random document (so most queries hit)."""
    rng = random.Random(seed)
    queries = []
    for _ in range(count):
        document = rng.choice(documents)
        lang = rng.choice(list(WORDS))
        words = rng.sample(WORDS[lang][:40], k=rng.randint(1, 2))
        facets = rng.sample([name for name, values in document.facets.items() if values], k=2)
        filters = {name: [rng.choice(document.facets[name])] for name in facets}
        queries.append(SearchQuery(text=" ".join(words), filters=filters))
    return queries


@contextmanager
def embedded() -> Iterator[SearchIndex]:
    with tempfile.TemporaryDirectory() as tmp:
        index = open_index(SearchSettings(), Path(tmp) / "index")
        try:
            yield index
        finally:
            index.close()


@contextmanager
def elasticsearch(url: str) -> Iterator[SearchIndex]:
    """An index under a prefix of its own on the cluster, deleted with its template afterwards."""
    from catalogue.index import es_requests
    from catalogue.index.elasticsearch import connect

    settings = SearchSettings(
        backend="elasticsearch",
        url=url,
        api_key=os.environ.get("CATALOGUE_ES_API_KEY") or None,
        index_prefix=f"catalogue-bench-{uuid.uuid4().hex[:8]}",
    )
    index = open_index(settings, Path("unused"))
    try:
        yield index
    finally:
        index.close()
        client = connect(settings)
        try:
            for name in client.indices.get(index=f"{settings.index_prefix}-records-*"):
                client.indices.delete(index=name)
            client.indices.delete_index_template(name=es_requests.template_name(settings.index_prefix))
        finally:
            client.close()


def run(
    opened: Callable[[], AbstractContextManager[SearchIndex]], documents: list[SearchDocument], queries: int
) -> dict[str, float]:
    """Index the documents into a fresh index of one backend, then time the queries."""
    n = len(documents)
    with opened() as index:
        started = time.perf_counter()
        index.upsert(documents)
        index.commit()
        indexed = time.perf_counter() - started
        assert index.count() == n, index.count()

        latencies = []
        results: list[SearchResults] = []
        for query in mixed_queries(documents, queries):
            started = time.perf_counter()
            results.append(index.search(query))
            latencies.append((time.perf_counter() - started) * 1000)
        highlighted = []
        for query in mixed_queries(documents, queries):
            query.highlight = True  # what the results page and the API ask for
            started = time.perf_counter()
            index.search(query)
            highlighted.append((time.perf_counter() - started) * 1000)
        unfiltered = []
        for query in mixed_queries(documents, queries, seed=13):
            query.filters = {}
            started = time.perf_counter()
            index.search(query)
            unfiltered.append((time.perf_counter() - started) * 1000)
    return {
        "documents": n,
        "index + commit (s)": indexed,
        "docs/s": n / indexed,
        "queries": queries,
        "queries with hits": sum(1 for result in results if result.total),
        "p50 (ms)": statistics.median(latencies),
        "p95 (ms)": _percentile(latencies, 95),
        "max (ms)": max(latencies),
        "highlighted p50 (ms)": statistics.median(highlighted),
        "highlighted p95 (ms)": _percentile(highlighted, 95),
        "text only p50 (ms)": statistics.median(unfiltered),
        "text only p95 (ms)": _percentile(unfiltered, 95),
    }


def _percentile(values: list[float], percent: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(percent / 100 * (len(ordered) - 1)))]


def _cell(name: str, value: float) -> str:
    return f"{value:,.0f}" if isinstance(value, int) or name == "docs/s" else f"{value:,.2f}"


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("-n", type=int, default=10_000, help="documents to index")
    parser.add_argument("-q", type=int, default=200, help="queries to run")
    parser.add_argument(
        "--es-url", default=os.environ.get("CATALOGUE_TEST_ES_URL", ""), help="an Elasticsearch cluster"
    )
    args = parser.parse_args()
    made = time.perf_counter()
    documents = synthetic_documents(args.n)
    print(f"{args.n:,} synthetic documents built in {time.perf_counter() - made:.1f} s")
    results = {"embedded": run(embedded, documents, args.q)}
    if args.es_url:
        try:
            results["elasticsearch"] = run(lambda: elasticsearch(args.es_url), documents, args.q)
        except SearchBackendError as error:
            print(f"(Elasticsearch left out: {error})")
    else:
        print("(no Elasticsearch: give --es-url or set CATALOGUE_TEST_ES_URL to compare)")
    names = list(results)
    print(f"{'measure':<22}" + "".join(f"{name:>16}" for name in names))
    for measure in results["embedded"]:
        print(f"{measure:<22}" + "".join(f"{_cell(measure, results[n][measure]):>16}" for n in names))


if __name__ == "__main__":
    main()
