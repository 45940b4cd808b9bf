"""One contract for every SearchIndex backend: the same documents, queries and answers.

Runs against the embedded (tantivy) backend always, and against Elasticsearch:
the cluster ``CATALOGUE_TEST_ES_URL`` names (e.g. ``http://127.0.0.1:9200``;
credentials in the URL, or ``CATALOGUE_ES_API_KEY``; a CA certificate in
``CATALOGUE_TEST_ES_CA_CERTS``), else one the session starts (the ``es_url``
fixture, tests/conftest.py). Each Elasticsearch test works under its own
index prefix and deletes its indexes and template afterwards.

Only what both backends promise is tested here; stemming details of one
language's analyzer, tantivy's on-disk schema checks and the like stay in
the backend's own tests.
"""

from __future__ import annotations

import os
import threading
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from catalogue.config import SearchSettings
from catalogue.index import (
    FACETS,
    Highlight,
    IndexEntry,
    QueryError,
    SearchDocument,
    SearchHit,
    SearchIndex,
    SearchQuery,
    SearchResults,
)
from catalogue.index.opening import open_index

HEAL = "http://publications.europa.eu/resource/authority/data-theme/HEAL"
TECH = "http://publications.europa.eu/resource/authority/data-theme/TECH"
CSV = "http://publications.europa.eu/resource/authority/file-type/CSV"
PDF = "http://publications.europa.eu/resource/authority/file-type/PDF"


def es_settings(url: str, prefix: str) -> SearchSettings:
    ca_certs = os.environ.get("CATALOGUE_TEST_ES_CA_CERTS")
    return SearchSettings(
        backend="elasticsearch",
        url=url,
        api_key=os.environ.get("CATALOGUE_ES_API_KEY") or None,
        ca_certs=Path(ca_certs) if ca_certs else None,
        index_prefix=prefix,
    )


def drop_es_prefix(url: str, prefix: str) -> None:
    """Delete every index and the template of a test prefix (names, not wildcards: see
    ``action.destructive_requires_name``)."""
    from catalogue.index import es_requests
    from catalogue.index.elasticsearch import connect

    client = connect(es_settings(url, prefix))
    try:
        found = client.indices.get(index=f"{prefix}-records-*", expand_wildcards="all")
        for name in found:
            client.indices.delete(index=name, ignore_unavailable=True)
        client.indices.delete_index_template(name=es_requests.template_name(prefix))
    finally:
        client.close()


Opener = Callable[[], SearchIndex]


@pytest.fixture(params=["embedded", "elasticsearch"])
def opener(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Opener]:
    """Opens (again) one backend's index; every index opened is closed afterwards."""
    opened: list[SearchIndex] = []
    url = ""
    if request.param == "elasticsearch":
        url = request.getfixturevalue("es_url")
        prefix = f"catalogue-test-{uuid.uuid4().hex[:12]}"
        settings = es_settings(url, prefix)
    else:
        prefix = ""
        settings = SearchSettings()

    def open_() -> SearchIndex:
        index = open_index(settings, tmp_path / "index")
        opened.append(index)
        return index

    yield open_
    for index in opened:
        index.close()
    if prefix:
        drop_es_prefix(url, prefix)


@pytest.fixture
def index(opener: Opener) -> SearchIndex:
    return opener()


def doc(record_id: str, source: str = "alpha", **kwargs) -> SearchDocument:
    kwargs.setdefault("sort_title", record_id)
    return SearchDocument(id=record_id, uri=f"https://example.org/{record_id}", source=source, **kwargs)


@pytest.fixture
def catalogue(index: SearchIndex) -> SearchIndex:
    index.upsert(
        [
            doc(
                "nl-genomes",
                title={"nl": ["Genomen van Nederlandse patiënten"]},
                description={"nl": ["Volledige sequenties van het genoom, verzameld door ziekenhuizen."]},
                keywords={"nl": ["genomica"]},
                facets={"theme": [HEAL, TECH], "format": [CSV], "keyword": ["genomica"]},
                modified=datetime(2021, 5, 1, tzinfo=UTC),
                sort_title="genomen van nederlandse patiënten",
                quality=250,
            ),
            doc(
                "en-cancer",
                source="beta",
                title={"en": ["Cancer registry"]},
                description={"en": ["Yearly counts of cancers by region and age."]},
                facets={"theme": [HEAL], "format": [CSV, PDF]},
                modified=datetime(2024, 1, 1, tzinfo=UTC),
                sort_title="cancer registry",
                quality=310,
            ),
            doc(
                "fr-genomics",
                source="beta",
                title={"fr": ["Données génomiques du registre"]},
                description={"fr": ["Séquençage des tumeurs et suivi des patients."]},
                facets={"theme": [TECH], "format": [PDF]},
                sort_title="données génomiques du registre",
                quality=120,
            ),
            doc(
                "labels-only",
                title={"en": ["Hospital admissions"]},
                labels=["Gesundheit", "Santé", "Health"],
                facets={"theme": [HEAL]},
                modified=datetime(2019, 3, 1, tzinfo=UTC),
                sort_title="hospital admissions",
                quality=250,
            ),
        ]
    )
    index.commit()
    return index


def ids(results: SearchResults) -> list[str]:
    return [hit.id for hit in results.hits]


def counts(results: SearchResults, facet: str) -> dict[str, int]:
    return {bucket.value: bucket.count for bucket in results.facets[facet]}


def entries(index: SearchIndex) -> list[IndexEntry]:
    return sorted(index.entries(), key=lambda entry: entry.id)


# -- writes and what readers see -------------------------------------------------------


def test_upsert_commit_search(catalogue: SearchIndex) -> None:
    assert catalogue.count() == 4
    everything = catalogue.search(SearchQuery())
    assert everything.total == 4
    assert set(ids(everything)) == {"nl-genomes", "en-cancer", "fr-genomics", "labels-only"}
    assert list(everything.facets) == list(FACETS)
    registry = catalogue.search(SearchQuery(text="registry"))
    # the French "registre" is the same word in another language (catalogue/vocabularies/terms.py)
    assert set(ids(registry)) == {"en-cancer", "fr-genomics"}
    assert registry.hits[0].score > 0
    assert ids(catalogue.search(SearchQuery(text="cancer registry"))) == ["en-cancer"]


def test_upsert_replaces_a_document_with_the_same_id(catalogue: SearchIndex) -> None:
    catalogue.upsert([doc("en-cancer", title={"en": ["Tumour registry"]})])
    catalogue.upsert([doc("en-cancer", title={"en": ["Tumour registry, second version"]})])
    catalogue.commit()
    assert catalogue.count() == 4
    assert catalogue.search(SearchQuery(text="cancer")).total == 0
    assert ids(catalogue.search(SearchQuery(text="tumour second"))) == ["en-cancer"]


def test_readers_see_nothing_before_commit(catalogue: SearchIndex) -> None:
    catalogue.upsert([doc("pending", title={"en": ["Pending asthma study"]})])
    catalogue.delete(["en-cancer"])
    assert catalogue.count() == 4
    assert catalogue.search(SearchQuery(text="asthma")).total == 0
    assert ids(catalogue.search(SearchQuery(text="cancer"))) == ["en-cancer"]
    catalogue.commit()
    assert ids(catalogue.search(SearchQuery(text="asthma"))) == ["pending"]
    assert catalogue.search(SearchQuery(text="cancer")).total == 0


def test_the_version_changes_with_each_commit_and_only_then(catalogue: SearchIndex) -> None:
    """Cached search answers key on it (catalogue/search_cache.py): a commit must show, nothing else."""
    first = catalogue.version()
    assert catalogue.version() == first
    catalogue.search(SearchQuery(text="cancer"))
    catalogue.upsert([doc("pending", title={"en": ["Pending asthma study"]})])
    assert catalogue.version() == first  # not visible yet
    catalogue.commit()
    second = catalogue.version()
    assert second != first
    assert catalogue.search(SearchQuery(text="asthma")).total == 1
    catalogue.delete(["pending"])
    catalogue.commit()
    assert catalogue.version() not in (first, second)


def test_delete_and_delete_source(catalogue: SearchIndex) -> None:
    assert catalogue.search(SearchQuery(text="volledige")).total == 1
    catalogue.delete(["nl-genomes", "not-there"])
    catalogue.commit()
    assert catalogue.count() == 3
    assert catalogue.search(SearchQuery(text="volledige")).total == 0

    catalogue.delete_source("beta")
    catalogue.commit()
    assert ids(catalogue.search(SearchQuery())) == ["labels-only"]


def test_delete_source_also_removes_what_was_upserted_since_the_last_commit(catalogue: SearchIndex) -> None:
    catalogue.upsert([doc("late", source="beta", title={"en": ["Late arrival"]})])
    catalogue.delete_source("beta")
    catalogue.commit()
    assert sorted(ids(catalogue.search(SearchQuery()))) == ["labels-only", "nl-genomes"]


def test_clear_then_upsert_in_one_commit(catalogue: SearchIndex) -> None:
    catalogue.clear()
    assert catalogue.count() == 4  # not committed yet: searches still see everything
    assert catalogue.search(SearchQuery(text="cancer")).total == 1
    catalogue.upsert([doc("fresh", title={"en": ["Fresh start"]})])
    assert catalogue.search(SearchQuery(text="fresh")).total == 0
    catalogue.commit()
    assert catalogue.count() == 1
    assert ids(catalogue.search(SearchQuery())) == ["fresh"]
    # and the index goes on as usual afterwards
    catalogue.upsert([doc("second", title={"en": ["Second record"]})])
    catalogue.commit()
    assert sorted(ids(catalogue.search(SearchQuery()))) == ["fresh", "second"]


def test_a_rebuild_never_committed_leaves_search_as_it_was(opener: Opener) -> None:
    first = opener()
    first.upsert([doc("kept", title={"en": ["Kept record"]})])
    first.commit()
    first.clear()
    first.upsert([doc("half", title={"en": ["Half built"]})])
    first.close()
    second = opener()
    assert ids(second.search(SearchQuery())) == ["kept"]
    assert second.count() == 1


def test_reopen_keeps_documents(opener: Opener) -> None:
    first = opener()
    first.upsert([doc("kept", title={"nl": ["Genomen"]}, facets={"theme": [HEAL]})])
    first.commit()
    first.close()
    second = opener()
    assert second.count() == 1
    assert ids(second.search(SearchQuery(text="genomen", filters={"theme": [HEAL]}))) == ["kept"]
    second.upsert([doc("more")])
    second.commit()
    assert second.count() == 2


def test_search_while_writing(catalogue: SearchIndex) -> None:
    errors: list[BaseException] = []

    def write() -> None:
        try:
            for batch in range(5):
                catalogue.upsert(doc(f"w{batch}-{i}", title={"en": [f"Written {i}"]}) for i in range(50))
                catalogue.commit()
        except BaseException as error:  # noqa: BLE001 - report any failure from the thread
            errors.append(error)

    writer = threading.Thread(target=write)
    writer.start()
    while writer.is_alive():
        assert catalogue.search(SearchQuery(text="cancer", filters={"theme": [HEAL]})).total == 1
    writer.join()
    assert not errors
    assert catalogue.count() == 4 + 250


# -- entries: what each document was built from ----------------------------------------


def test_entries_are_what_each_committed_document_was_built_from(index: SearchIndex) -> None:
    assert entries(index) == []
    index.upsert(
        [
            doc("a", content_hash="hash-a", quality=120),
            doc("b", source="beta", content_hash="hash-b", status="flagged", quality=310),
        ]
    )
    index.commit()
    index.upsert([doc("pending", content_hash="hash-p")])
    index.delete(["a"])
    expected = [
        IndexEntry(id="a", source="alpha", content_hash="hash-a", status="published", quality=120),
        IndexEntry(id="b", source="beta", content_hash="hash-b", status="flagged", quality=310),
    ]
    assert entries(index) == expected  # nothing uncommitted shows
    index.commit()
    assert [entry.id for entry in entries(index)] == ["b", "pending"]


def test_an_upsert_replaces_the_entry_of_its_id(index: SearchIndex) -> None:
    index.upsert([doc("a", content_hash="first"), doc("b", content_hash="hash-b")])
    index.commit()
    index.upsert([doc("a", content_hash="second", quality=5)])
    index.upsert([doc("a", source="beta", content_hash="third", status="flagged", quality=9)])
    index.commit()
    assert entries(index) == [
        IndexEntry(id="a", source="beta", content_hash="third", status="flagged", quality=9),
        IndexEntry(id="b", source="alpha", content_hash="hash-b", status="published", quality=0),
    ]


def test_entries_after_delete_source_and_clear(index: SearchIndex) -> None:
    index.upsert([doc("a", content_hash="hash-a"), doc("b", source="beta"), doc("c", source="beta")])
    index.commit()
    index.delete_source("beta")
    index.commit()
    assert [entry.id for entry in entries(index)] == ["a"]
    index.clear()
    assert [entry.id for entry in entries(index)] == ["a"]  # a rebuild shows once committed
    index.commit()
    assert entries(index) == []


# -- query text ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("cancers", "en-cancer"),
        ("count", "en-cancer"),  # counts
        ("génomique", "fr-genomics"),  # génomiques
        ("genomique", "fr-genomics"),  # typed without the accent
        ("tumeur", "fr-genomics"),  # tumeurs
        ("patienten", "nl-genomes"),  # patiënten, folded
        ("Genomen", "nl-genomes"),  # as written, whatever the analyser
    ],
)
def test_words_match_through_stemming_and_folding(catalogue: SearchIndex, text: str, expected: str) -> None:
    assert expected in ids(catalogue.search(SearchQuery(text=text)))


def test_concept_labels_match(catalogue: SearchIndex) -> None:
    assert ids(catalogue.search(SearchQuery(text="Gesundheit"))) == ["labels-only"]
    assert ids(catalogue.search(SearchQuery(text="sante"))) == ["labels-only"]


def test_every_word_must_match(catalogue: SearchIndex) -> None:
    assert ids(catalogue.search(SearchQuery(text="cancer registry"))) == ["en-cancer"]
    assert catalogue.search(SearchQuery(text="cancer genomen")).total == 0
    # the words may come from different fields and languages of one record
    assert ids(catalogue.search(SearchQuery(text="hospital gesundheit"))) == ["labels-only"]


def test_stop_words_are_optional(catalogue: SearchIndex) -> None:
    assert ids(catalogue.search(SearchQuery(text="the cancer registry"))) == ["en-cancer"]


def test_title_matches_rank_first(index: SearchIndex) -> None:
    index.upsert(
        [
            doc("mention", title={"en": ["Hospital admissions"]}, description={"en": ["Includes asthma."]}),
            doc("title", title={"en": ["Asthma"]}, description={"en": ["Hospital admissions."]}),
        ]
    )
    index.commit()
    assert ids(index.search(SearchQuery(text="asthma"))) == ["title", "mention"]


def test_phrase_and_prefix(catalogue: SearchIndex) -> None:
    assert ids(catalogue.search(SearchQuery(text='"cancer registry"'))) == ["en-cancer"]
    assert catalogue.search(SearchQuery(text='"registry cancer"')).total == 0
    assert ids(catalogue.search(SearchQuery(text="“Cancer Registry”"))) == ["en-cancer"]
    assert ids(catalogue.search(SearchQuery(text="regis*"))) == ["en-cancer", "fr-genomics"]
    assert ids(catalogue.search(SearchQuery(text="hosp* admissions"))) == ["labels-only"]


@pytest.mark.parametrize(
    "text",
    [
        '"',
        '"unbalanced phrase',
        '"?!"',
        "title:cancer",
        "cancer AND (registry OR",
        "[1 TO 5]",
        "+-!^~*?\\/{}",
        "***",
        "*",
        "ü:ö",
        "数据 健康",
        "🧬 genome",
        "x" * 300,
        "\x00\t\n",
        "a*",
        "NOT",
    ],
)
def test_odd_queries_do_not_raise(catalogue: SearchIndex, text: str) -> None:
    results = catalogue.search(SearchQuery(text=text))
    assert results.total >= 0


def test_a_word_too_long_to_index_matches_nothing(catalogue: SearchIndex) -> None:
    assert catalogue.search(SearchQuery(text="cancer " + "x" * 300)).total == 0


def test_text_without_words_matches_everything(catalogue: SearchIndex) -> None:
    for text in ("", "   ", '""', '"?!"', "*", "?!"):
        assert catalogue.search(SearchQuery(text=text)).total == 4, text


# -- filters and facets --------------------------------------------------------------


def test_filters_or_within_a_facet_and_across_facets(catalogue: SearchIndex) -> None:
    heal = catalogue.search(SearchQuery(filters={"theme": [HEAL]}))
    assert set(ids(heal)) == {"nl-genomes", "en-cancer", "labels-only"}
    either = catalogue.search(SearchQuery(filters={"theme": [HEAL, TECH]}))
    assert either.total == 4
    both = catalogue.search(SearchQuery(filters={"theme": [HEAL], "format": [PDF]}))
    assert ids(both) == ["en-cancer"]
    by_source = catalogue.search(SearchQuery(filters={"source": ["beta"], "theme": [TECH]}))
    assert ids(by_source) == ["fr-genomics"]
    assert catalogue.search(SearchQuery(filters={"theme": ["http://nowhere"]})).total == 0
    assert catalogue.search(SearchQuery(filters={"theme": []})).total == 4


def test_unknown_facet_is_a_query_error(catalogue: SearchIndex) -> None:
    with pytest.raises(QueryError):
        catalogue.search(SearchQuery(filters={"colour": ["red"]}))


def test_facet_counts_follow_text_and_filters(catalogue: SearchIndex) -> None:
    everything = catalogue.search(SearchQuery())
    assert counts(everything, "theme") == {HEAL: 3, TECH: 2}
    assert [bucket.value for bucket in everything.facets["theme"]] == [HEAL, TECH]
    assert counts(everything, "source") == {"alpha": 2, "beta": 2}
    assert counts(everything, "format") == {CSV: 2, PDF: 2}
    assert counts(everything, "keyword") == {"genomica": 1}
    assert everything.facets["license"] == []

    assert counts(catalogue.search(SearchQuery(text="cancer")), "theme") == {HEAL: 1}
    assert counts(catalogue.search(SearchQuery(text="registr*")), "theme") == {HEAL: 1, TECH: 1}
    filtered = catalogue.search(SearchQuery(filters={"format": [PDF]}))
    assert counts(filtered, "theme") == {HEAL: 1, TECH: 1}
    assert counts(filtered, "source") == {"beta": 2}

    top = catalogue.search(SearchQuery(facet_size=1))
    assert counts(top, "theme") == {HEAL: 3}
    # equal counts are ordered by value
    assert [bucket.value for bucket in top.facets["source"]] == ["alpha"]
    assert [bucket.value for bucket in everything.facets["format"]] == [CSV, PDF]

    none = catalogue.search(SearchQuery(facet_size=0))
    assert none.total == 4
    assert none.facets == {name: [] for name in FACETS}


def test_a_filtered_facet_still_offers_its_other_values(catalogue: SearchIndex) -> None:
    filtered = catalogue.search(SearchQuery(filters={"format": [PDF]}))
    assert filtered.total == 2
    # the format facet is counted without its own filter: CSV can still be added (OR)
    assert counts(filtered, "format") == {CSV: 2, PDF: 2}
    # other facets follow the filter
    assert counts(filtered, "theme") == {HEAL: 1, TECH: 1}
    both = catalogue.search(SearchQuery(text="registr*", filters={"format": [PDF], "theme": [TECH]}))
    assert ids(both) == ["fr-genomics"]
    assert counts(both, "theme") == {HEAL: 1, TECH: 1}  # text + format, not theme
    assert counts(both, "format") == {PDF: 1}  # text + theme, not format


def test_a_filter_matching_nothing_still_counts_its_own_facet(catalogue: SearchIndex) -> None:
    results = catalogue.search(SearchQuery(filters={"theme": ["http://nowhere"]}))
    assert results.total == 0 and results.hits == []
    assert counts(results, "theme") == {HEAL: 3, TECH: 2}
    assert results.facets["format"] == []


def test_no_matches_have_empty_facets(catalogue: SearchIndex) -> None:
    results = catalogue.search(SearchQuery(text="nonexistentword"))
    assert results.total == 0
    assert results.hits == []
    assert results.facets == {name: [] for name in FACETS}


def test_quality_min_narrows_hits_and_every_count(catalogue: SearchIndex) -> None:
    good = catalogue.search(SearchQuery(quality_min=250))
    assert set(ids(good)) == {"nl-genomes", "en-cancer", "labels-only"}
    assert counts(good, "theme") == {HEAL: 3, TECH: 1}
    # a filtered facet is counted without its own filter, but never without quality_min
    filtered = catalogue.search(SearchQuery(quality_min=250, filters={"format": [PDF]}))
    assert ids(filtered) == ["en-cancer"]
    assert counts(filtered, "format") == {CSV: 2, PDF: 1}
    assert catalogue.search(SearchQuery(quality_min=311)).total == 0
    assert catalogue.search(SearchQuery(quality_min=0)).total == 4


def test_an_id_restriction_narrows_hits_and_every_count(catalogue: SearchIndex) -> None:
    """``ids`` (the where= restriction) narrows like quality_min: hits, totals, pages and every facet."""
    kept = catalogue.search(SearchQuery(ids=["nl-genomes", "en-cancer", "not-indexed"]))
    assert set(ids(kept)) == {"nl-genomes", "en-cancer"} and kept.total == 2
    assert counts(kept, "format") == {CSV: 2, PDF: 1}
    filtered = catalogue.search(SearchQuery(ids=["nl-genomes", "en-cancer"], filters={"format": [PDF]}))
    assert ids(filtered) == ["en-cancer"]
    assert counts(filtered, "format") == {CSV: 2, PDF: 1}  # its own filter off, the restriction on
    second = catalogue.search(SearchQuery(ids=["nl-genomes", "en-cancer"], size=1, page=2))
    assert second.total == 2 and len(second.hits) == 1
    assert catalogue.search(SearchQuery(ids=[])).total == 0


# -- order and pages -----------------------------------------------------------------


def test_sort_by_modified_newest_first_undated_last(catalogue: SearchIndex) -> None:
    assert ids(catalogue.search(SearchQuery(sort="modified"))) == [
        "en-cancer",
        "nl-genomes",
        "labels-only",
        "fr-genomics",
    ]


def test_sort_by_title(catalogue: SearchIndex) -> None:
    assert ids(catalogue.search(SearchQuery(sort="title"))) == [
        "en-cancer",
        "fr-genomics",
        "nl-genomes",
        "labels-only",
    ]


def test_sort_by_quality_highest_first(catalogue: SearchIndex) -> None:
    ranked = ids(catalogue.search(SearchQuery(sort="quality")))
    assert ranked[0] == "en-cancer"
    assert set(ranked[1:3]) == {"nl-genomes", "labels-only"}
    assert ranked[3] == "fr-genomics"


def test_relevance_without_text_is_by_id(catalogue: SearchIndex) -> None:
    assert ids(catalogue.search(SearchQuery())) == ["en-cancer", "fr-genomics", "labels-only", "nl-genomes"]


def test_paging(index: SearchIndex) -> None:
    index.upsert(doc(f"rec-{i:02d}", title={"en": [f"Survey number {i}"]}) for i in range(25))
    index.commit()
    seen = []
    for page in (1, 2, 3):
        results = index.search(SearchQuery(text="survey", page=page, size=10))
        assert results.total == 25
        seen += ids(results)
    assert len(seen) == 25 and len(set(seen)) == 25
    # equal scores are ordered by id, across pages too
    assert seen == sorted(seen)
    assert ids(index.search(SearchQuery(page=2, size=10))) == [f"rec-{i:02d}" for i in range(10, 20)]
    beyond = index.search(SearchQuery(text="survey", page=9, size=10))
    assert beyond.total == 25 and beyond.hits == []
    assert ids(index.search(SearchQuery(sort="title", page=3, size=10))) == [
        f"rec-{i:02d}" for i in range(20, 25)
    ]
    none = index.search(SearchQuery(text="survey", size=0))
    assert none.total == 25 and none.hits == []


def test_pages_past_ten_thousand_hits(index: SearchIndex) -> None:
    """Elasticsearch's from/size window ends at 10,000 hits: deeper pages, and a page of
    everything (as the feed asks), must still come back whole and in order."""
    count = 10_050
    index.upsert(
        doc(f"r{i:05d}", title={"en": ["Deep survey"]}, facets={"theme": [HEAL if i % 2 else TECH]})
        for i in range(count)
    )
    index.commit()
    everything = index.search(SearchQuery(text="survey", size=count, facet_size=5))
    assert everything.total == count
    assert ids(everything) == [f"r{i:05d}" for i in range(count)]
    assert counts(everything, "theme") == {HEAL: count // 2, TECH: count // 2}
    deep = index.search(SearchQuery(page=1001, size=10))
    assert ids(deep) == [f"r{i:05d}" for i in range(10_000, 10_010)]
    straddling = index.search(SearchQuery(sort="title", page=3, size=4_900))
    assert straddling.total == count
    assert ids(straddling) == [f"r{i:05d}" for i in range(9_800, count)]
    even = index.search(SearchQuery(size=count, filters={"theme": [TECH]}))
    assert even.total == count // 2
    assert ids(even) == [f"r{i:05d}" for i in range(0, count, 2)]
    past = index.search(SearchQuery(page=2, size=count))
    assert past.total == count and past.hits == []
    listed = [entry.id for entry in index.entries()]
    assert len(listed) == count and set(listed) == {f"r{i:05d}" for i in range(count)}


# -- highlights ----------------------------------------------------------------------


def marked(highlight: Highlight) -> list[str]:
    return [highlight.text[start:end] for start, end in highlight.ranges]


def highlighted(index: SearchIndex, text: str, **kwargs) -> dict[str, SearchHit]:
    return {hit.id: hit for hit in index.search(SearchQuery(text=text, highlight=True, **kwargs)).hits}


def test_a_query_word_is_marked_in_the_title_and_description(catalogue: SearchIndex) -> None:
    hit = highlighted(catalogue, "cancer")["en-cancer"]
    assert hit.highlights["title"] == [Highlight("Cancer registry", ((0, 6),), "en")]
    # through the stemmer of the text's language, as it matched
    assert hit.highlights["description"] == [
        Highlight("Yearly counts of cancers by region and age.", ((17, 24),), "en")
    ]
    folded = highlighted(catalogue, "patienten genoom")["nl-genomes"]
    # "patienten" as written but for the accent; "Genomen" shares the Dutch stem of "genoom"
    assert marked(folded.highlights["title"][0]) == ["Genomen", "patiënten"]
    assert marked(folded.highlights["description"][0]) == ["genoom"]


def test_a_long_description_is_cut_around_its_marks(index: SearchIndex) -> None:
    filler = "Counted per ward and week, with the age band of each patient. " * 8
    description = f"{filler}Severe asthma cases are flagged. {filler}"
    index.upsert([doc("long", title={"en": ["Admissions"]}, description={"en": [description]})])
    index.commit()
    (snippet,) = highlighted(index, "asthma")["long"].highlights["description"]
    assert snippet.text.startswith("…") and snippet.text.endswith("…")
    assert "Severe asthma cases are flagged." in snippet.text
    assert len(snippet.text) <= 282
    assert marked(snippet) == ["asthma"]
    assert "title" not in highlighted(index, "asthma")["long"].highlights


def test_a_phrase_is_marked_as_one_where_it_occurs(index: SearchIndex) -> None:
    index.upsert(
        [
            doc(
                "open",
                title={"en": ["Open data on open source"]},
                description={"en": ["Data that is open, and open data."]},
            )
        ]
    )
    index.commit()
    hit = highlighted(index, '"open data"')["open"]
    assert hit.highlights["title"] == [Highlight("Open data on open source", ((0, 9),), "en")]
    assert marked(hit.highlights["description"][0]) == ["open data"]
    words = highlighted(index, "open data")["open"]
    assert marked(words.highlights["title"][0]) == ["Open", "data", "open"]


def test_prefixes_mark_whole_words_and_stop_words_only_alone(catalogue: SearchIndex) -> None:
    found = highlighted(catalogue, "regis*")
    assert marked(found["en-cancer"].highlights["title"][0]) == ["registry"]
    assert marked(found["fr-genomics"].highlights["title"][0]) == ["registre"]
    hit = highlighted(catalogue, "the cancer registry")["en-cancer"]
    assert marked(hit.highlights["title"][0]) == ["Cancer", "registry"]


def test_every_language_with_a_mark_the_best_first(index: SearchIndex) -> None:
    index.upsert(
        [
            doc(
                "air",
                title={"en": ["Air quality in Ghent"], "nl": ["Luchtkwaliteit in Gent"], "": ["Gent air"]},
            )
        ]
    )
    index.commit()
    assert highlighted(index, "luchtkwaliteit")["air"].highlights == {
        "title": [Highlight("Luchtkwaliteit in Gent", ((0, 14),), "nl")]
    }
    titles = highlighted(index, "gent air")["air"].highlights["title"]
    # most words marked first, then the record's order
    assert [(title.lang, marked(title)) for title in titles] == [
        ("", ["Gent", "air"]),
        ("en", ["Air"]),
        ("nl", ["Gent"]),
    ]


def test_no_highlights_without_words_or_unasked_or_for_labels(catalogue: SearchIndex) -> None:
    assert all(not hit.highlights for hit in catalogue.search(SearchQuery(highlight=True)).hits)
    assert all(not hit.highlights for hit in catalogue.search(SearchQuery(text="*", highlight=True)).hits)
    assert all(not hit.highlights for hit in catalogue.search(SearchQuery(text="cancer")).hits)
    # found through a concept's label: nothing in the title or description to mark
    assert highlighted(catalogue, "gesundheit")["labels-only"].highlights == {}


@pytest.mark.parametrize(
    "query",
    [
        SearchQuery(text="registr*"),
        SearchQuery(text="genomen", filters={"theme": [HEAL]}),
        SearchQuery(text="cancer", sort="modified", page=1, size=1),
        SearchQuery(text="health", quality_min=200, size=1, page=2),
    ],
)
def test_highlights_change_no_hit_total_or_count(catalogue: SearchIndex, query: SearchQuery) -> None:
    plain = catalogue.search(query)
    query.highlight = True
    marked_results = catalogue.search(query)
    assert marked_results.total == plain.total and marked_results.facets == plain.facets
    assert [(hit.id, hit.score) for hit in marked_results.hits] == [(hit.id, hit.score) for hit in plain.hits]


# -- Elasticsearch only: the alias switch itself --------------------------------------


def test_the_client_speaks_the_clusters_major_version(es_url: str) -> None:
    from elasticsearch import __versionstr__

    from catalogue.index.elasticsearch import connect

    client = connect(es_settings(es_url, "catalogue-test-version"))
    try:
        server = client.info()["version"]["number"]
    finally:
        client.close()
    assert server.split(".")[0] == __versionstr__.split(".")[0], (server, __versionstr__)


def test_elasticsearch_rebuild_switches_the_alias_and_deletes_the_old_index(es_url: str) -> None:
    from catalogue.index import es_requests
    from catalogue.index.elasticsearch import ElasticsearchIndex, connect

    prefix = f"catalogue-test-{uuid.uuid4().hex[:12]}"
    settings = es_settings(es_url, prefix)
    alias = es_requests.alias_name(prefix)
    client = connect(settings)
    index = ElasticsearchIndex(settings)
    try:
        (before,) = client.indices.get_alias(name=alias)
        index.upsert([doc("old")])
        index.commit()
        index.clear()
        index.upsert([doc("new")])
        assert sorted(client.indices.get_alias(name=alias)) == [before]
        index.commit()
        (after,) = client.indices.get_alias(name=alias)
        assert after != before and after.startswith(f"{prefix}-records-")
        assert not client.indices.exists(index=before)
        assert ids(index.search(SearchQuery())) == ["new"]
        mapping = client.indices.get_mapping(index=after)[after]["mappings"]
        assert mapping["_meta"]["fingerprint"] == es_requests.fingerprint()
    finally:
        index.close()
        client.close()
        drop_es_prefix(es_url, prefix)


# -- discovery: health facets, codes with their hierarchy, ranges ---------------------------------

GENOMIC = "http://healthdata.ec.europa.eu/authority/health-category/GENOMIC"
EHR = "http://healthdata.ec.europa.eu/authority/health-category/EHR"
BEL = "http://publications.europa.eu/resource/authority/country/BEL"
FIN = "http://publications.europa.eu/resource/authority/country/FIN"


def coded(record_id: str, codes: list[str], **kwargs) -> SearchDocument:
    """A document built as catalogue.index.documents builds it: codes expanded to their broader concepts."""
    from catalogue.vocabularies.concepts import expand, labels

    tree = list(dict.fromkeys(concept for code in codes for concept in expand(code)))
    facets = {**kwargs.pop("facets", {}), "code": codes}
    return doc(
        record_id,
        facets=facets,
        code_tree=tree,
        concepts=sorted({label for concept in tree for label in labels(concept)}),
        **kwargs,
    )


@pytest.fixture
def health(index: SearchIndex) -> SearchIndex:
    index.upsert(
        [
            coded(
                "fi-breast",
                ["icd10:C50.4"],
                title={"fi": ["Rintasyöpäkohortti"]},
                facets={"health_category": [GENOMIC], "country": [FIN]},
                individuals=1_200,
                records=50_000,
                age_low=40,
                age_high=70,
                temporal_start=datetime(2010, 1, 1, tzinfo=UTC),
                temporal_end=datetime(2015, 12, 31, tzinfo=UTC),
            ),
            coded(
                "be-diabetes",
                ["atc:A10BA02", "icd10gm:E11.9"],
                title={"en": ["Diabetes registry"]},
                facets={"health_category": [EHR], "country": [BEL]},
                individuals=90_000,
                records=2_000_000,
                age_low=18,
                age_high=150,
                temporal_start=datetime(2020, 1, 1, tzinfo=UTC),
                temporal_end=datetime(9999, 12, 31, tzinfo=UTC),
            ),
            coded(
                "en-breast-text",
                [],
                title={"en": ["Breast imaging study"]},
                facets={"health_category": [GENOMIC, EHR], "country": [BEL]},
                individuals=300,
            ),
            doc("plain", title={"en": ["Weather records"]}),
        ]
    )
    index.commit()
    return index


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("icd10:C50.4", ["fi-breast"]),
        ("icd10:C50", ["fi-breast"]),  # a category takes its subcategories
        ("icd10:C00-C97", ["fi-breast"]),  # a block
        ("icd10:II", ["fi-breast"]),  # a chapter
        ("atc:A10", ["be-diabetes"]),
        ("atc:A", ["be-diabetes"]),
        ("atc:A10BA02", ["be-diabetes"]),
        ("icd10:E11", ["be-diabetes"]),  # a national modification's code reaches WHO's concepts
        ("icd10:E10-E14", ["be-diabetes"]),
        ("icd10:C51", []),
        ("atc:A11", []),
    ],
)
def test_a_code_filter_includes_every_narrower_concept(
    health: SearchIndex, code: str, expected: list[str]
) -> None:
    assert sorted(ids(health.search(SearchQuery(filters={"code": [code]})))) == expected


def test_code_facet_counts_the_codes_given_not_their_ancestors(health: SearchIndex) -> None:
    found = counts(health.search(SearchQuery(facet_size=100)), "code")
    assert found == {"icd10:C50.4": 1, "atc:A10BA02": 1, "icd10gm:E11.9": 1}
    # filtered by a broader code, the facet still offers the other codes
    narrowed = counts(health.search(SearchQuery(filters={"code": ["icd10:C50"]}, facet_size=100)), "code")
    assert narrowed == found


def test_a_concept_label_finds_the_coded_records_after_direct_matches(health: SearchIndex) -> None:
    # "breast": the Finnish-only record is coded C50.4, whose category is "Malignant neoplasm of breast"
    found = health.search(SearchQuery(text="breast"))
    assert ids(found) == ["en-breast-text", "fi-breast"]
    assert found.hits[0].score > found.hits[1].score
    assert ids(health.search(SearchQuery(text="neoplasm"))) == ["fi-breast"]


@pytest.mark.parametrize(
    ("low", "high", "expected"),
    [
        (None, 1_000, ["en-breast-text"]),
        (1_000, None, ["be-diabetes", "fi-breast"]),
        (1_200, 1_200, ["fi-breast"]),
        (100_000, None, []),
    ],
)
def test_individuals_range(
    health: SearchIndex, low: int | None, high: int | None, expected: list[str]
) -> None:
    from catalogue.index import Range

    found = health.search(SearchQuery(ranges=(Range("individuals", low, high),)))
    assert sorted(ids(found)) == expected


@pytest.mark.parametrize(
    ("low", "high", "expected"),
    [
        (0, 17, []),  # children: nobody's typical ages reach that low
        (0, 18, ["be-diabetes"]),  # overlap at one end counts
        (65, 80, ["be-diabetes", "fi-breast"]),
        (71, None, ["be-diabetes"]),
        (None, None, ["be-diabetes", "fi-breast"]),  # records without ages are left out when ages are asked
    ],
)
def test_age_ranges_overlap(
    health: SearchIndex, low: int | None, high: int | None, expected: list[str]
) -> None:
    from catalogue.index import Range

    assert sorted(ids(health.search(SearchQuery(ranges=(Range("age", low, high),))))) == expected


def test_temporal_ranges_overlap_and_open_ends_reach_the_future(health: SearchIndex) -> None:
    from catalogue.index import Range

    def temporal(low: datetime | None, high: datetime | None) -> list[str]:
        return sorted(ids(health.search(SearchQuery(ranges=(Range("temporal", low, high),)))))

    assert temporal(datetime(2014, 1, 1, tzinfo=UTC), datetime(2016, 1, 1, tzinfo=UTC)) == ["fi-breast"]
    assert temporal(datetime(2030, 1, 1, tzinfo=UTC), None) == ["be-diabetes"]
    assert temporal(None, datetime(2009, 12, 31, tzinfo=UTC)) == []
    assert temporal(datetime(2015, 12, 31, tzinfo=UTC), datetime(2020, 1, 1, tzinfo=UTC)) == [
        "be-diabetes",
        "fi-breast",
    ]


def test_ranges_narrow_every_facet_count_and_combine_with_filters(health: SearchIndex) -> None:
    from catalogue.index import Range

    found = health.search(
        SearchQuery(filters={"health_category": [GENOMIC]}, ranges=(Range("records", 10_000, None),))
    )
    assert ids(found) == ["fi-breast"]
    assert counts(found, "health_category") == {GENOMIC: 1, EHR: 1}
    assert counts(found, "country") == {FIN: 1}


def test_health_and_country_facets(health: SearchIndex) -> None:
    found = health.search(SearchQuery())
    assert counts(found, "health_category") == {GENOMIC: 2, EHR: 2}
    assert counts(found, "country") == {BEL: 2, FIN: 1}
    both = health.search(SearchQuery(filters={"health_category": [GENOMIC], "country": [BEL]}))
    assert ids(both) == ["en-breast-text"]


def test_keywords_fold_into_one_entry_shown_in_the_most_common_form(index: SearchIndex) -> None:
    index.upsert(
        [
            doc("a", facets={"keyword": ["genomik"]}, keyword_forms=["Genomik"]),
            doc("b", facets={"keyword": ["genomik"]}, keyword_forms=["Genomik"]),
            doc("c", facets={"keyword": ["genomik"]}, keyword_forms=["genomik"]),
            doc("d", facets={"keyword": ["etude"]}, keyword_forms=["Étude"]),
        ]
    )
    index.commit()
    found = index.search(SearchQuery())
    assert {(b.value, b.label, b.count) for b in found.facets["keyword"]} == {
        ("genomik", "Genomik", 3),
        ("etude", "Étude", 1),
    }
    filtered = index.search(SearchQuery(filters={"keyword": ["etude"]}))
    assert ids(filtered) == ["d"]
    assert {(b.value, b.label) for b in filtered.facets["keyword"]} == {
        ("genomik", "Genomik"),
        ("etude", "Étude"),
    }


def test_facet_size_shows_every_value(index: SearchIndex) -> None:
    index.upsert([doc(f"d{n:03}", facets={"keyword": [f"k{n:03}"]}) for n in range(150)])
    index.commit()
    assert len(index.search(SearchQuery(facet_size=20)).facets["keyword"]) == 20
    assert len(index.search(SearchQuery(facet_size=1_000)).facets["keyword"]) == 150


# -- across languages and spellings ---------------------------------------------------


@pytest.fixture
def languages(index: SearchIndex) -> SearchIndex:
    """Records in one language each, whose words are compounds, spelling variants or translations."""
    index.upsert(
        [
            doc(
                "nl-breast",
                title={"nl": ["Borstkanker bij vrouwen"]},
                description={"nl": ["Tumormateriaal."]},
            ),
            doc("nl-bowel", title={"nl": ["Darmkanker bevolkingsonderzoek"]}),
            doc("de-bowel", title={"de": ["Darmkrebsregister"]}, description={"de": ["Fälle nach Region."]}),
            doc("fi-breast", title={"fi": ["Rintasyöpärekisteri"]}),
            doc("sv-breast", title={"sv": ["Bröstcancerstudie"]}),
            doc("untagged", title={"": ["Genoomanalyse"]}),
            doc(
                "en-gb", title={"en": ["Childhood leukaemia cohort"]}, description={"en": ["Tumour samples."]}
            ),
            doc("en-us", title={"en": ["Leukemia in adults"]}, description={"en": ["Tumor samples."]}),
            doc("nl-health", title={"nl": ["Gezondheid en leefstijl"]}),
        ]
    )
    index.commit()
    return index


CANCER = {"nl-breast", "nl-bowel", "de-bowel", "fi-breast", "sv-breast"}
BREAST = {"nl-breast", "fi-breast", "sv-breast"}


def found(index: SearchIndex, text: str) -> set[str]:
    return {hit.id for hit in index.search(SearchQuery(text=text, size=50)).hits}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # "cancer" in five languages, each the head of a compound (borst|kanker, Darm|krebs|register,
        # rinta|syöpä|rekisteri, bröst|cancer|studie), each a label of one term (vocabularies/terms.py)
        ("kanker", CANCER),
        ("Krebs", CANCER),
        ("syöpä", CANCER),
        ("syopa", CANCER),  # typed without the accents
        ("cancer", CANCER),
        ("borst", BREAST),  # a modifier, and "breast" in Finnish and Swedish
        ("Borstkanker", BREAST),  # the compound itself, and the term it is a label of
        ("register", {"de-bowel", "fi-breast"}),  # Darmkrebs|register, Rintasyöpä|rekisteri
        ("genoom", {"untagged"}),  # untagged text is split too
        ("kanker darm", {"nl-bowel", "de-bowel"}),  # every word must still match
        ("anker", set()),  # inside kanker, but not one of its parts
    ],
)
def test_compound_words_are_found_by_their_parts(
    languages: SearchIndex, text: str, expected: set[str]
) -> None:
    assert found(languages, text) == expected


def test_british_and_american_spellings_find_the_same_records(languages: SearchIndex) -> None:
    assert found(languages, "leukaemia") == found(languages, "leukemia") == {"en-gb", "en-us"}
    # and the Dutch Tumor|materiaal, split
    assert found(languages, "tumour") == found(languages, "Tumor") == {"en-gb", "en-us", "nl-breast"}
    assert found(languages, '"leukaemia cohort"') == {"en-gb"}
    assert found(languages, "leukaemia adults") == {"en-us"}


def test_a_concepts_label_finds_the_word_in_another_language(languages: SearchIndex) -> None:
    # Gesundheit, Health and Gezondheid label one EU data theme: a word in the text is enough
    assert found(languages, "Gesundheit") == found(languages, "health") == {"nl-health"}
    assert found(languages, "gezondheid") == {"nl-health"}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("leukemai", "leukemia"),  # two letters swapped
        ("Leukaemai childhood", "leukaemia childhood"),  # only the word that finds nothing changes
        ("Darmkanekr", "darmkanker"),
        ("tumr", "tumor"),
    ],
)
def test_did_you_mean_a_nearby_word_of_the_index(languages: SearchIndex, text: str, expected: str) -> None:
    from catalogue.index.suggest import suggestion

    assert languages.search(SearchQuery(text=text)).total == 0
    assert suggestion(languages, text) == expected


@pytest.mark.parametrize("text", ["leukemia", "zzzzzzzz", "qx", "", '"no such phrase"', "x" * 300])
def test_no_suggestion_when_something_matches_or_nothing_is_near(languages: SearchIndex, text: str) -> None:
    from catalogue.index.suggest import suggestion

    assert suggestion(languages, text) is None


# -- a node written in other words: cases, not the examples above ----------------------------


@pytest.fixture
def unseen(index: SearchIndex) -> SearchIndex:
    """A second node, in words the terms table was not written from; some coded, some not."""
    index.upsert(
        [
            coded(
                "nl-lung",
                ["icd10:C34.9"],
                source="gamma",
                title={"nl": ["Longkanker: behandeling en overleving"]},
            ),
            doc(
                "de-heart",
                source="gamma",
                title={"de": ["Herzinfarktregister Nordrhein"]},
                description={"de": ["Patientinnen und Patienten nach akutem Herzinfarkt."]},
            ),
            coded(
                "fr-diab", ["icd10:E11.9"], source="gamma", title={"fr": ["Suivi des personnes diabétiques"]}
            ),
            coded(
                "fi-stroke",
                ["icd10:I63.9"],
                source="gamma",
                title={"fi": ["Aivohalvauspotilaiden kuntoutus"]},
            ),
            doc("sv-asthma", source="gamma", title={"sv": ["Astma hos barn i Skåne"]}),
            coded("en-memory", ["icd10:F03"], source="gamma", title={"en": ["Memory clinic cohort"]}),
            doc("es-mama", source="gamma", title={"es": ["Cáncer de mama en mujeres jóvenes"]}),
            doc("en-weather", source="gamma", title={"en": ["Weather and air quality"]}),
        ]
    )
    index.commit()
    return index


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("lung cancer", {"nl-lung"}),  # en; the record is coded C34.9
        ("longkanker", {"nl-lung"}),  # nl
        ("Lungenkrebs", {"nl-lung"}),  # de
        ("keuhkosyöpä", {"nl-lung"}),  # fi
        ("heart attack", {"de-heart"}),  # en; Herzinfarkt|register, not coded
        ("infarctus du myocarde", {"de-heart"}),  # fr
        ("hjärtinfarkt", {"de-heart"}),  # sv
        ("diabetes", {"fr-diab"}),  # en; E11.9 is in the block E10-E14
        ("suikerziekte", {"fr-diab"}),  # nl
        ("stroke", {"fi-stroke"}),  # en, sv; I63.9 is in the block I60-I69
        ("Schlaganfall", {"fi-stroke"}),  # de
        ("beroerte", {"fi-stroke"}),  # nl
        ("asthma children", {"sv-asthma"}),  # en; astma, barn
        ("Asthma Kinder", {"sv-asthma"}),  # de
        ("Demenz", {"en-memory"}),  # de; F03
        ("démence", {"en-memory"}),  # fr
        ("muistisairaus", {"en-memory"}),  # fi
        ("breast cancer", {"es-mama"}),  # en
        ("Brustkrebs", {"es-mama"}),  # de
        ("cancer", {"nl-lung", "es-mama"}),  # fr, sv, en
        ("rintasyöpä", {"es-mama"}),  # fi
        ("rintasyövän", {"es-mama"}),  # fi, genitive
        ("cancer du sein", {"es-mama"}),  # fr; "sein" is a German stop word, but half of this term
        ("weather cancer", set()),  # every word must still match
    ],
)
def test_a_node_in_other_words_is_found_across_languages(
    unseen: SearchIndex, text: str, expected: set[str]
) -> None:
    assert found(unseen, text) == expected


def test_other_language_matches_rank_after_the_records_own_words(unseen: SearchIndex) -> None:
    unseen.upsert([doc("en-lung", source="gamma", title={"en": ["Lung cancer screening trial"]})])
    unseen.commit()
    assert ids(unseen.search(SearchQuery(text="lung cancer")))[0] == "en-lung"
