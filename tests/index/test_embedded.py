"""The embedded tantivy index: real indexes in tmp dirs."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from catalogue.index import FACETS, QueryError, SearchDocument, SearchQuery, SearchResults
from catalogue.index.embedded import MARKER, EmbeddedIndex

HEAL = "http://publications.europa.eu/resource/authority/data-theme/HEAL"
TECH = "http://publications.europa.eu/resource/authority/data-theme/TECH"
CSV = "http://publications.europa.eu/resource/authority/file-type/CSV"
PDF = "http://publications.europa.eu/resource/authority/file-type/PDF"


def doc(record_id: str, source: str = "alpha", **kwargs) -> SearchDocument:
    kwargs.setdefault("sort_title", record_id)
    return SearchDocument(id=record_id, uri=f"https://example.org/{record_id}", source=source, **kwargs)


@pytest.fixture
def index(tmp_path: Path) -> Iterator[EmbeddedIndex]:
    opened = EmbeddedIndex(tmp_path / "index")
    yield opened
    opened.close()


@pytest.fixture
def catalogue(index: EmbeddedIndex) -> EmbeddedIndex:
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
            ),
            doc(
                "en-cancer",
                source="beta",
                title={"en": ["Cancer registry"]},
                description={"en": ["Yearly counts of cancers by region and age."]},
                facets={"theme": [HEAL], "format": [CSV, PDF]},
                modified=datetime(2024, 1, 1, tzinfo=UTC),
                sort_title="cancer registry",
            ),
            doc(
                "fr-genomics",
                source="beta",
                title={"fr": ["Données génomiques du registre"]},
                description={"fr": ["Séquençage des tumeurs et suivi des patients."]},
                facets={"theme": [TECH], "format": [PDF]},
                sort_title="données génomiques du registre",
            ),
            doc(
                "labels-only",
                title={"en": ["Hospital admissions"]},
                labels=["Gesundheit", "Santé", "Health"],
                facets={"theme": [HEAL]},
                modified=datetime(2019, 3, 1, tzinfo=UTC),
                sort_title="hospital admissions",
            ),
        ]
    )
    index.commit()
    return index


def ids(results: SearchResults) -> list[str]:
    return [hit.id for hit in results.hits]


def counts(results: SearchResults, facet: str) -> dict[str, int]:
    return {bucket.value: bucket.count for bucket in results.facets[facet]}


def test_upsert_commit_search(catalogue: EmbeddedIndex) -> None:
    assert catalogue.count() == 4
    everything = catalogue.search(SearchQuery())
    assert everything.total == 4
    assert set(ids(everything)) == {"nl-genomes", "en-cancer", "fr-genomics", "labels-only"}
    assert set(everything.facets) == set(FACETS)
    registry = catalogue.search(SearchQuery(text="registry"))
    assert ids(registry) == ["en-cancer"]
    assert registry.hits[0].score > 0


def test_upsert_replaces_a_document_with_the_same_id(catalogue: EmbeddedIndex) -> None:
    catalogue.upsert([doc("en-cancer", title={"en": ["Tumour registry"]})])
    catalogue.upsert([doc("en-cancer", title={"en": ["Tumour registry, second version"]})])
    catalogue.commit()
    assert catalogue.count() == 4
    assert catalogue.search(SearchQuery(text="cancer")).total == 0
    assert ids(catalogue.search(SearchQuery(text="tumour second"))) == ["en-cancer"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("genoom", "nl-genomes"),  # Dutch stemmer: genomen ~ genoom
        ("ziekenhuis", "nl-genomes"),  # ziekenhuizen
        ("cancers", "en-cancer"),
        ("count", "en-cancer"),  # counts
        ("génomique", "fr-genomics"),  # génomiques
        ("genomique", "fr-genomics"),  # typed without the accent
        ("tumeur", "fr-genomics"),
        ("patienten", "nl-genomes"),  # patiënten, folded
    ],
)
def test_words_match_through_stemming_and_folding(catalogue: EmbeddedIndex, text: str, expected: str) -> None:
    assert expected in ids(catalogue.search(SearchQuery(text=text)))


def test_unstemmed_word_matches_in_any_language(catalogue: EmbeddedIndex) -> None:
    # "genomen" is a Dutch word; searched as is it matches whatever the analyser
    assert ids(catalogue.search(SearchQuery(text="Genomen"))) == ["nl-genomes"]


def test_concept_labels_match(catalogue: EmbeddedIndex) -> None:
    assert ids(catalogue.search(SearchQuery(text="Gesundheit"))) == ["labels-only"]
    assert ids(catalogue.search(SearchQuery(text="sante"))) == ["labels-only"]


def test_every_word_must_match(catalogue: EmbeddedIndex) -> None:
    assert ids(catalogue.search(SearchQuery(text="cancer registry"))) == ["en-cancer"]
    assert catalogue.search(SearchQuery(text="cancer genoom")).total == 0
    # the words may come from different fields and languages of one record
    assert ids(catalogue.search(SearchQuery(text="hospital gesundheit"))) == ["labels-only"]


def test_stop_words_are_optional(catalogue: EmbeddedIndex) -> None:
    assert ids(catalogue.search(SearchQuery(text="the cancer registry"))) == ["en-cancer"]


def test_title_matches_rank_first(index: EmbeddedIndex) -> None:
    index.upsert(
        [
            doc("mention", title={"en": ["Hospital admissions"]}, description={"en": ["Includes asthma."]}),
            doc("title", title={"en": ["Asthma"]}, description={"en": ["Hospital admissions."]}),
        ]
    )
    index.commit()
    assert ids(index.search(SearchQuery(text="asthma"))) == ["title", "mention"]


def test_phrase_and_prefix(catalogue: EmbeddedIndex) -> None:
    assert ids(catalogue.search(SearchQuery(text='"cancer registry"'))) == ["en-cancer"]
    assert catalogue.search(SearchQuery(text='"registry cancer"')).total == 0
    assert ids(catalogue.search(SearchQuery(text="“Cancer Registry”"))) == ["en-cancer"]
    assert ids(catalogue.search(SearchQuery(text="regis*"))) == ["en-cancer", "fr-genomics"]


@pytest.mark.parametrize(
    "text",
    [
        '"',
        '"unbalanced phrase',
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
def test_odd_queries_do_not_raise(catalogue: EmbeddedIndex, text: str) -> None:
    results = catalogue.search(SearchQuery(text=text))
    assert results.total >= 0


def test_a_word_too_long_to_index_matches_nothing(catalogue: EmbeddedIndex) -> None:
    assert catalogue.search(SearchQuery(text="cancer " + "x" * 300)).total == 0


def test_text_without_words_matches_everything(catalogue: EmbeddedIndex) -> None:
    for text in ("", "   ", '""', "*", "?!"):
        assert catalogue.search(SearchQuery(text=text)).total == 4


def test_filters_or_within_a_facet_and_across_facets(catalogue: EmbeddedIndex) -> None:
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


def test_unknown_facet_is_a_query_error(catalogue: EmbeddedIndex) -> None:
    with pytest.raises(QueryError):
        catalogue.search(SearchQuery(filters={"colour": ["red"]}))


def test_facet_counts_follow_text_and_filters(catalogue: EmbeddedIndex) -> None:
    everything = catalogue.search(SearchQuery())
    assert counts(everything, "theme") == {HEAL: 3, TECH: 2}
    assert [bucket.value for bucket in everything.facets["theme"]] == [HEAL, TECH]
    assert counts(everything, "source") == {"alpha": 2, "beta": 2}
    assert counts(everything, "format") == {CSV: 2, PDF: 2}
    assert counts(everything, "keyword") == {"genomica": 1}

    assert counts(catalogue.search(SearchQuery(text="cancer")), "theme") == {HEAL: 1}
    assert counts(catalogue.search(SearchQuery(text="registr*")), "theme") == {HEAL: 1, TECH: 1}
    filtered = catalogue.search(SearchQuery(filters={"format": [PDF]}))
    assert counts(filtered, "theme") == {HEAL: 1, TECH: 1}
    assert counts(filtered, "source") == {"beta": 2}

    top = catalogue.search(SearchQuery(facet_size=1))
    assert counts(top, "theme") == {HEAL: 3}
    # equal counts are ordered by value
    assert [bucket.value for bucket in top.facets["source"]] == ["alpha"]


def test_a_filtered_facet_still_offers_its_other_values(catalogue: EmbeddedIndex) -> None:
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


def test_no_matches_have_empty_facets(catalogue: EmbeddedIndex) -> None:
    results = catalogue.search(SearchQuery(text="nonexistentword"))
    assert results.total == 0
    assert results.hits == []
    assert results.facets == {name: [] for name in FACETS}


def test_sort_by_modified_newest_first_undated_last(catalogue: EmbeddedIndex) -> None:
    assert ids(catalogue.search(SearchQuery(sort="modified"))) == [
        "en-cancer",
        "nl-genomes",
        "labels-only",
        "fr-genomics",
    ]


def test_sort_by_title(catalogue: EmbeddedIndex) -> None:
    assert ids(catalogue.search(SearchQuery(sort="title"))) == [
        "en-cancer",
        "fr-genomics",
        "nl-genomes",
        "labels-only",
    ]


def test_paging(index: EmbeddedIndex) -> None:
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


def test_delete_and_delete_source(catalogue: EmbeddedIndex) -> None:
    catalogue.delete(["nl-genomes", "not-there"])
    catalogue.commit()
    assert catalogue.count() == 3
    assert catalogue.search(SearchQuery(text="genoom")).total == 0

    catalogue.delete_source("beta")
    catalogue.commit()
    assert ids(catalogue.search(SearchQuery())) == ["labels-only"]


def test_clear_then_upsert_in_one_commit(catalogue: EmbeddedIndex) -> None:
    catalogue.clear()
    assert catalogue.count() == 4  # not committed yet
    catalogue.upsert([doc("fresh", title={"en": ["Fresh start"]})])
    catalogue.commit()
    assert catalogue.count() == 1
    assert ids(catalogue.search(SearchQuery())) == ["fresh"]


def test_readers_see_nothing_before_commit(catalogue: EmbeddedIndex) -> None:
    catalogue.upsert([doc("pending", title={"en": ["Pending asthma study"]})])
    catalogue.delete(["en-cancer"])
    assert catalogue.count() == 4
    assert catalogue.search(SearchQuery(text="asthma")).total == 0
    assert ids(catalogue.search(SearchQuery(text="cancer"))) == ["en-cancer"]
    catalogue.commit()
    assert ids(catalogue.search(SearchQuery(text="asthma"))) == ["pending"]
    assert catalogue.search(SearchQuery(text="cancer")).total == 0


def test_close_drops_uncommitted_writes(tmp_path: Path) -> None:
    first = EmbeddedIndex(tmp_path / "index")
    first.upsert([doc("kept")])
    first.commit()
    first.upsert([doc("dropped")])
    first.close()
    second = EmbeddedIndex(tmp_path / "index")
    assert ids(second.search(SearchQuery())) == ["kept"]
    second.close()


def test_reopen_keeps_documents(tmp_path: Path) -> None:
    first = EmbeddedIndex(tmp_path / "index")
    first.upsert([doc("kept", title={"nl": ["Genomen"]}, facets={"theme": [HEAL]})])
    first.commit()
    first.close()
    second = EmbeddedIndex(tmp_path / "index")
    assert not second.rebuilt
    assert second.count() == 1
    results = second.search(SearchQuery(text="genoom", filters={"theme": [HEAL]}))
    assert ids(results) == ["kept"]
    second.upsert([doc("more")])
    second.commit()
    assert second.count() == 2
    second.close()


def test_incompatible_schema_is_rebuilt_empty(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    path = tmp_path / "index"
    first = EmbeddedIndex(path)
    first.upsert([doc("old")])
    first.commit()
    first.close()
    (path / MARKER).write_text(json.dumps({"schema_version": 0, "fingerprint": "old"}))
    with caplog.at_level("WARNING"):
        second = EmbeddedIndex(path)
    assert second.rebuilt
    assert second.count() == 0
    assert "reindex" in caplog.text
    second.upsert([doc("new")])
    second.commit()
    second.close()
    third = EmbeddedIndex(path)
    assert not third.rebuilt
    assert ids(third.search(SearchQuery())) == ["new"]
    third.close()


def test_search_while_writing(catalogue: EmbeddedIndex) -> None:
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
