"""The embedded tantivy index: real indexes in tmp dirs.

What every backend must do is in test_contract.py (run on this backend too);
here: tantivy's own stemmers, rollback on close, the on-disk schema check.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from catalogue.index import IndexEntry, SearchDocument, SearchQuery, SearchResults
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


def test_close_drops_uncommitted_writes(tmp_path: Path) -> None:
    first = EmbeddedIndex(tmp_path / "index")
    first.upsert([doc("kept")])
    first.commit()
    first.upsert([doc("dropped")])
    first.close()
    second = EmbeddedIndex(tmp_path / "index")
    assert ids(second.search(SearchQuery())) == ["kept"]
    second.close()


def test_a_read_only_index_sees_another_writers_commits_and_refuses_writes(tmp_path: Path) -> None:
    """A reader process of ``serve --workers`` beside the writer: each commit shows at the next search."""
    writer = EmbeddedIndex(tmp_path / "index")
    writer.upsert([doc("first")])
    writer.commit()
    reader = EmbeddedIndex(tmp_path / "index", read_only=True)
    assert ids(reader.search(SearchQuery())) == ["first"]
    writer.upsert([doc("second")])
    assert reader.count() == 1  # nothing committed yet
    writer.commit()
    assert ids(reader.search(SearchQuery())) == ["first", "second"] and reader.count() == 2
    with pytest.raises(RuntimeError, match="read-only"):
        reader.upsert([doc("third")])
    reader.close()
    writer.close()


def test_a_readers_version_follows_each_commit_it_sees(tmp_path: Path) -> None:
    """The version is what cached answers key on (catalogue/search_cache.py): in a reader process
    it changes with each commit of the writer its searches see, and only then."""
    writer = EmbeddedIndex(tmp_path / "index")
    writer.upsert([doc("first")])
    writer.commit()
    reader = EmbeddedIndex(tmp_path / "index", read_only=True)
    seen = {reader.version()}
    for n in range(20):
        writer.upsert([doc(f"quick-{n:02}")])
        writer.commit()
        version = reader.version()
        assert version not in seen
        seen.add(version)
        assert reader.count() == n + 2
    assert reader.version() == version
    reader.close()
    writer.close()


def test_reopen_keeps_documents(tmp_path: Path) -> None:
    first = EmbeddedIndex(tmp_path / "index")
    first.upsert([doc("kept", title={"nl": ["Genomen"]}, facets={"theme": [HEAL]})])
    first.commit()
    first.close()
    second = EmbeddedIndex(tmp_path / "index")
    assert not second.outdated
    assert second.count() == 1
    results = second.search(SearchQuery(text="genoom", filters={"theme": [HEAL]}))
    assert ids(results) == ["kept"]
    second.upsert([doc("more")])
    second.commit()
    assert second.count() == 2
    second.close()


def test_incompatible_schema_is_replaced_empty(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    path = tmp_path / "index"
    first = EmbeddedIndex(path)
    first.upsert([doc("old")])
    first.commit()
    first.close()
    (path / MARKER).write_text(json.dumps({"schema_version": 0, "fingerprint": "old"}))
    with caplog.at_level("WARNING"):
        second = EmbeddedIndex(path)
    assert second.outdated
    assert second.count() == 0
    assert "reindex" in caplog.text
    assert list(second.entries()) == []
    second.upsert([doc("new")])
    second.commit()
    assert second.outdated  # filled in part: only a committed clear() is a whole rebuild
    second.clear()
    assert second.outdated
    second.upsert([doc("new")])
    second.commit()
    assert not second.outdated
    second.close()
    third = EmbeddedIndex(path)
    assert not third.outdated
    assert ids(third.search(SearchQuery())) == ["new"]
    third.close()


def test_a_replaced_index_is_replaced_again_until_a_rebuild_is_committed(tmp_path: Path) -> None:
    path = tmp_path / "index"
    EmbeddedIndex(path).close()
    (path / MARKER).write_text(json.dumps({"schema_version": 0, "fingerprint": "old"}))
    second = EmbeddedIndex(path)
    second.upsert([doc("partial")])
    second.commit()
    second.close()
    third = EmbeddedIndex(path)
    assert third.outdated and third.count() == 0
    third.close()


def test_entries_read_back_what_was_stored(index: EmbeddedIndex) -> None:
    index.upsert(
        [doc("no-hash"), doc("hashed", source="beta", content_hash="é-✓", status="flagged", quality=7)]
    )
    index.commit()
    assert sorted(index.entries(), key=lambda entry: entry.id) == [
        IndexEntry(id="hashed", source="beta", content_hash="é-✓", status="flagged", quality=7),
        IndexEntry(id="no-hash", source="alpha", content_hash="", status="published", quality=0),
    ]
