"""Marking a query's words and cutting snippets: the pure part both backends share.

That each backend hands its hits' texts here, and what a hit ends up with,
is in test_contract.py (and test_es_requests.py for the Elasticsearch parser).
"""

from __future__ import annotations

import pytest

from catalogue.index import Highlight, SearchDocument, SearchQuery
from catalogue.index.highlight import SNIPPET_CHARS, Marker, highlight_source, marker_for, snippet


def marks(query: str, text: str, lang: str = "en") -> list[str]:
    ranges, _ = Marker(query).marks(text, lang)
    return [text[start:end] for start, end in ranges]


def test_words_as_written_and_through_the_texts_own_stemmer() -> None:
    assert marks("zurich", "Zürich, ZURICH and the Zurichsee") == ["Zürich", "ZURICH"]
    assert marks("cancers", "Cancer registry") == ["Cancer"]
    assert marks("cancers", "Cancer registry", lang="") == []  # untagged: as written only
    assert marks("cancers", "Cancer registry", lang="lb") == []  # no analysed field for it
    # both analyzers mark "cancers": one range
    assert Marker("cancers").marks("cancers", "en") == ([(0, 7)], 1)


def test_phrases_prefixes_and_stop_words() -> None:
    assert marks('"open data"', "Open data, open-data; open source data") == ["Open data", "open-data"]
    assert marks("regis*", "Registry, unregistered, register") == ["Registry", "register"]
    assert marks("a*", "a apple") == ["a"]  # too short a prefix is a word
    assert marks("the registry", "The registry") == ["registry"]
    assert marks("the", "The registry") == ["The"]  # alone, it must match


def test_offsets_count_characters() -> None:
    text = "🧬 Génome 😀 génome"
    ranges, _ = Marker("genome").marks(text, "fr")
    assert ranges == [(2, 8), (11, 17)]
    assert [text[start:end] for start, end in ranges] == ["Génome", "génome"]


def test_short_text_is_whole() -> None:
    assert snippet("Cancer registry", [(0, 6)], 280) == ("Cancer registry", ((0, 6),))


def test_long_text_is_cut_between_words_around_the_most_marks() -> None:
    words = [f"w{i:03d}" for i in range(200)]
    for at in (20, 150, 154, 158):
        words[at] = "mark"
    text = " ".join(words)
    ranges, _ = Marker("mark").marks(text, "en")
    cut, kept = snippet(text, ranges, 100)
    assert cut.startswith("…w") and cut.endswith("…") and len(cut) <= 102
    assert [cut[start:end] for start, end in kept] == ["mark", "mark", "mark"]  # the three close together
    assert " ".join(cut.strip("…").split()) == cut.strip("…")  # whole words only


def test_a_mark_cut_by_the_window_is_left_out_unless_it_is_all_there_is() -> None:
    text = "mark " + "x " * 100 + "y" * 10 + " mark"
    cut, kept = snippet(text, [(0, 4), (len(text) - 4, len(text))], 100)
    assert cut.startswith("mark x") and [cut[s:e] for s, e in kept] == ["mark"]
    phrase = "word " * 100
    cut, kept = snippet(phrase, [(0, 499)], 100)
    assert kept == ((0, len(cut) - 1),) and cut.endswith("…")


def test_a_long_unbroken_word_is_cut_through() -> None:
    text = "mark " + "x" * 500
    cut, kept = snippet(text, [(0, 4)], 100)
    assert cut == "mark " + "x" * 95 + "…" and kept == ((0, 4),)


def test_best_text_first_and_odd_stored_values_passed_over() -> None:
    source = {
        "title": [
            {"lang": "nl", "text": "Kankerregister"},
            {"lang": "en", "text": "Cancer"},
            {"lang": "", "text": "Cancer registry"},
            {"lang": "en"},
            "Cancer",
            {"lang": None, "text": "Cancer"},
        ],
        "description": "Cancer",
    }
    found = Marker("cancer registry").highlights(source)
    assert found == {
        "title": [Highlight("Cancer registry", ((0, 6), (7, 15)), ""), Highlight("Cancer", ((0, 6),), "en")]
    }
    assert Marker("cancer").highlights({}) == {}
    long = {"description": [{"lang": "en", "text": "Cancer. " * 100}]}
    assert len(Marker("cancer").highlights(long)["description"][0].text) <= SNIPPET_CHARS["description"] + 2


def test_what_is_kept_and_when_a_query_marks() -> None:
    document = SearchDocument(
        id="r", uri="u", source="s", title={"en": ["T"], "": ["U"]}, description={}, keywords={"en": ["k"]}
    )
    assert highlight_source(document) == {"title": [{"lang": "en", "text": "T"}, {"lang": "", "text": "U"}]}
    assert marker_for(SearchQuery(text="cancer")) is None
    assert marker_for(SearchQuery(text=' "?!" * ', highlight=True)) is None
    marker = marker_for(SearchQuery(text="cancer", highlight=True))
    assert marker is not None and [part.text for part in marker.parts] == ["cancer"]


@pytest.mark.parametrize("text", ["", "?!", "x" * 300, "数据", '"', "🧬"])
def test_odd_text_marks_nothing_without_raising(text: str) -> None:
    assert Marker("cancer").highlights({"title": [{"lang": "en", "text": text}]}) == {}
    Marker(text).highlights({"title": [{"lang": "en", "text": "Cancer " + text}]})
