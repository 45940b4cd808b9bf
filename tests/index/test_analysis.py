"""Compound splitting and query alternatives: what both backends index and ask for (catalogue.index)."""

from __future__ import annotations

import pytest

from catalogue.index import compounds
from catalogue.index.analysis import Part, query_parts
from catalogue.index.variants import MAX_ALTERNATIVES, alternatives


@pytest.mark.parametrize(
    ("word", "lang", "parts"),
    [
        ("borstkanker", "nl", ("borst", "kanker")),
        ("darmkrebs", "de", ("darm", "krebs")),
        ("rintasyöpä", "fi", ("rinta", "syöpä")),
        ("bröstcancer", "sv", ("bröst", "cancer")),
        ("brystkræft", "da", ("bryst", "kræft")),
        # a linking s between the parts is not a part
        ("gezondheidsdata", "nl", ("gezondheid", "data")),
    ],
)
def test_compounds_split_into_dictionary_words(word: str, lang: str, parts: tuple[str, ...]) -> None:
    assert compounds.split(word, lang)[: len(parts)] == parts


def test_a_part_that_is_a_compound_is_split_too() -> None:
    assert compounds.split("darmkrebsregister", "de") == ("darmkrebs", "register", "darm", "krebs")


@pytest.mark.parametrize(
    ("word", "lang"),
    [
        ("kanker", "nl"),  # too short to be two parts
        ("anker", "nl"),
        ("borstkanker", "en"),  # English is not split
        ("borstkanker", "xx"),
        ("borstxqzwkanker", "nl"),  # not wholly made of words
        ("borst2kanker", "nl"),
        ("a" * 200, "nl"),
    ],
)
def test_what_is_not_split(word: str, lang: str) -> None:
    assert compounds.split(word.lower(), lang) == () or not compounds.compound_parts(word, lang)


def test_compound_parts_of_a_text_and_untagged_text() -> None:
    assert compounds.compound_parts("Borstkanker en darmkanker, 2020", "nl") == "borst kanker darm kanker"
    assert compounds.compound_parts("Genoomanalyse", "") == "genoom analyse"
    assert compounds.compound_parts("breast cancer", "en") == ""
    assert compounds.with_parts(["Darmkrebs", "Fälle"], "de") == ["Darmkrebs", "Fälle", "darm krebs"]


def test_the_fingerprint_names_the_word_lists() -> None:
    assert "wordfreq" in compounds.describe()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("leukaemia", "leukemia"),
        ("Leukemia", "leukaemia"),
        ("TUMOUR", "tumor"),
        ("paediatric oncology", "pediatric oncology"),
        ("Gesundheit", "gezondheid"),  # a label of the EU data theme Health
        ("health", "terveys"),
        ("sante", "gesundheit"),  # looked up folded
        ("terveys", "hälsa"),  # offered as written (the stemmers expect the accents)
    ],
)
def test_alternatives(text: str, expected: str) -> None:
    assert expected in alternatives(text)


@pytest.mark.parametrize("text", ["", "weather", "x" * 500, "a b c d e f", "数据"])
def test_no_alternatives(text: str) -> None:
    assert alternatives(text) == ()


def test_alternatives_are_bounded_and_never_the_word_itself() -> None:
    for text in ("health", "english", "annual", "public"):
        found = alternatives(text)
        assert 0 < len(found) <= MAX_ALTERNATIVES
        assert text not in found


def test_query_parts_carry_alternatives_but_prefixes_and_stop_words_do_not() -> None:
    required, optional = query_parts('leukaemia the tumour* "paediatric oncology"')
    assert Part("paediatric oncology", "phrase", ("pediatric oncology",)) in required
    (leukaemia,) = [part for part in required if part.text == "leukaemia"]
    assert leukaemia.kind == "word"
    assert leukaemia.alternatives[0] == "leukemia"  # the other spelling first, then other languages
    assert {"leukämie", "leucémie", "leukemie"} <= set(leukaemia.alternatives)
    assert Part("tumour", "prefix") in required
    assert optional == [Part("the", "word")]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("cancer", {"kanker", "krebs", "syöpä", "cancro"}),  # catalogue/vocabularies/medical-terms.tsv
        ("borstkanker", {"breast cancer", "brustkrebs", "rintasyöpä", "bröstcancer", "cancer du sein"}),
        ("Darmkrebs", {"colorectal cancer", "darmkanker", "cancer colorectal"}),
        ("breast", {"borst", "brust", "rinta", "bröst", "sein"}),
        ("zeldzame ziekten", {"rare diseases", "maladies rares", "seltene erkrankungen"}),
    ],
)
def test_terms_cross_languages(text: str, expected: set[str]) -> None:
    assert expected <= set(alternatives(text))


def test_words_that_make_a_term_together_each_count_as_its_other_labels() -> None:
    required, _ = query_parts("breast cancer registry")
    breast, cancer, registry = required
    for part in (breast, cancer):
        assert {"borstkanker", "rintasyöpä", "brustkrebs"} <= set(part.alternatives)
    assert "borst" in breast.alternatives and "kanker" in cancer.alternatives
    assert "borstkanker" not in registry.alternatives and "rekisteri" in registry.alternatives
    # a run is looked up as a whole label only: no spelling variant of the run, no prefix in it
    required, _ = query_parts("leukaemia tumour")
    assert all(" " not in alternative for part in required for alternative in part.alternatives)
    required, _ = query_parts("breast canc*")
    assert "borstkanker" not in required[0].alternatives


def test_every_part_stays_bounded() -> None:
    required, _ = query_parts(" ".join(["cancer", "breast"] * 20))
    assert all(len(part.alternatives) <= 2 * MAX_ALTERNATIVES for part in required)


def test_a_stop_word_inside_a_terms_label_counts() -> None:
    # "sein" (breast) is a German stop word; in "cancer du sein" it is half of the term
    required, optional = query_parts("cancer du sein")
    assert [part.text for part in required] == ["cancer", "du", "sein"] and optional == []
    assert "borstkanker" in required[2].alternatives
    # outside a label it stays optional
    required, optional = query_parts("cancer sein")
    assert [part.text for part in required] == ["cancer"] and [part.text for part in optional] == ["sein"]
