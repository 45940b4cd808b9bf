"""The Elasticsearch backend's request builders, as pure functions (no server needed).

What a real cluster does with these bodies is the contract suite's job
(tests/index/test_contract.py with CATALOGUE_TEST_ES_URL); here: that we ask
for what we mean. Also the ``[search]`` settings and the client options made
from them.
"""

from __future__ import annotations

import json
import socket
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

from catalogue.config import ConfigError, SearchSettings, parse_settings
from catalogue.index import (
    ANALYSED_LANGUAGES,
    FACETS,
    IndexEntry,
    QueryError,
    SearchDocument,
    SearchQuery,
)
from catalogue.index import es_requests as req
from catalogue.index.analysis import ALTERNATIVE_BOOST, MAX_WORDS, STEMMERS
from catalogue.index.elasticsearch import SearchBackendError, client_options
from catalogue.index.embedded import EmbeddedIndex
from catalogue.index.opening import open_index

HEAL = "http://publications.europa.eu/resource/authority/data-theme/HEAL"
CSV = "http://publications.europa.eu/resource/authority/file-type/CSV"
PDF = "http://publications.europa.eu/resource/authority/file-type/PDF"


def doc(record_id: str = "r1", **kwargs: Any) -> SearchDocument:
    return SearchDocument(id=record_id, uri=f"https://example.org/{record_id}", source="alpha", **kwargs)


# -- names ----------------------------------------------------------------------------


def test_names() -> None:
    assert req.alias_name("catalogue") == "catalogue-records"
    assert req.template_name("catalogue") == "catalogue-records"
    moment = datetime(2025, 3, 4, 5, 6, 7, 890123, tzinfo=UTC)
    assert req.index_name("catalogue", moment) == "catalogue-records-20250304-050607-890123"
    # in UTC whatever the clock's zone, so names sort by creation
    cet = moment.astimezone(timezone(timedelta(hours=1)))
    assert req.index_name("catalogue", cet) == "catalogue-records-20250304-050607-890123"
    fresh = req.index_name("x")
    assert fresh.startswith("x-records-") and fresh == fresh.lower()


# -- template and mapping ----------------------------------------------------------------


def test_template_applies_to_the_timestamped_indexes_only() -> None:
    template = req.index_template("gdi")
    assert template["index_patterns"] == ["gdi-records-*"]
    assert req.index_name("gdi").startswith("gdi-records-")
    assert not req.alias_name("gdi").startswith("gdi-records-")  # the alias is no index of the pattern
    assert template["priority"] > 100  # above Elasticsearch's own templates
    json.dumps(template)


def test_settings_one_shard_no_automatic_refresh() -> None:
    settings = req.index_template("c")["template"]["settings"]["index"]
    assert settings["number_of_shards"] == 1
    assert settings["refresh_interval"] == "-1"  # only commit() makes writes searchable
    assert settings["max_result_window"] == req.MAX_RESULT_WINDOW


def test_one_text_field_per_language_stemmed_as_the_embedded_backend_stems_it() -> None:
    template = req.index_template("c")["template"]
    properties = template["mappings"]["properties"]
    analysis = template["settings"]["analysis"]
    for lang in ANALYSED_LANGUAGES:
        name = properties[f"text_{lang}"]["analyzer"]
        chain = analysis["analyzer"][name]["filter"]
        if lang in STEMMERS:
            assert name == f"catalogue_{STEMMERS[lang]}"
            stem = analysis["filter"][chain[2]]
            assert stem == {"type": "snowball", "language": req.snowball_language(STEMMERS[lang])}
            assert chain == ["catalogue_not_long", "lowercase", chain[2], "asciifolding"]  # stem, then fold
        else:
            assert name == req.FOLDED


def test_unstemmed_fields_use_the_folded_analyzer() -> None:
    template = req.index_template("c")["template"]
    properties = template["mappings"]["properties"]
    for field in ("text_any", "title_any", "labels"):
        assert properties[field] == {"type": "text", "analyzer": req.FOLDED}
    folded = template["settings"]["analysis"]["analyzer"][req.FOLDED]
    assert folded["filter"][-2:] == ["lowercase", "asciifolding"]
    assert folded["tokenizer"] in template["settings"]["analysis"]["tokenizer"]


def test_facets_dates_and_numbers() -> None:
    properties = req.mappings()["properties"]
    for name in FACETS:
        assert properties[name]["type"] == "keyword"
    for field in ("id", "status", "sort_title"):
        assert properties[field]["type"] == "keyword"
    assert properties["modified"] == {"type": "date"}
    assert properties["quality"] == {"type": "integer"}
    assert req.mappings()["dynamic"] == "strict"


def test_content_hash_is_kept_but_not_indexed() -> None:
    assert req.mappings()["properties"]["content_hash"] == {
        "type": "keyword",
        "index": False,
        "doc_values": False,
    }


def test_mapping_field_types_are_known_to_the_client() -> None:
    dsl = pytest.importorskip("elasticsearch.dsl", reason="elasticsearch.dsl ships with client 8.18+")
    mapping = dsl.Mapping()
    mapping._update_from_dict(req.mappings())  # raises for a field type it does not know
    assert set(mapping.to_dict()["properties"]) == set(req.mappings()["properties"])


def test_template_carries_the_fingerprint() -> None:
    meta = req.index_template("c")["template"]["mappings"]["_meta"]
    assert meta["fingerprint"] == req.fingerprint()
    assert len(req.fingerprint()) == 16


# -- documents and bulk actions --------------------------------------------------------


def test_document_source() -> None:
    source = req.document_source(
        doc(
            title={"en": ["Cancer registry"], "nl": ["Kankerregister"], "": ["Untagged"], "lb": ["Kriibs"]},
            description={"en": ["Counts."]},
            keywords={"nl": ["kanker"]},
            labels=["Health", "Gesundheit"],
            facets={
                "theme": [HEAL, HEAL, ""],
                "format": [CSV, PDF],
                "source": ["ignored"],
                "colour": ["red"],
                "license": [],
            },
            modified=datetime(2021, 5, 1, 12, 0, tzinfo=timezone(timedelta(hours=2))),
            sort_title="x" * 300,
            status="flagged",
            quality=215,
            content_hash="c0ffee",
        )
    )
    assert source["id"] == "r1" and source["source"] == "alpha" and source["status"] == "flagged"
    assert source["content_hash"] == "c0ffee"
    assert source["text_en"] == ["Cancer registry", "Counts."]
    # each text, then the parts of its compound words (catalogue.index.compounds)
    assert source["text_nl"] == ["Kankerregister", "kanker register", "kanker"]
    # text without an analysed language only goes to the generic field
    assert source["text_any"] == [
        "Cancer registry",
        "Kankerregister",
        "kanker register",
        "Untagged",
        "Kriibs",
        "Counts.",
        "kanker",
    ]
    assert "text_lb" not in source and "text_" not in source
    assert source["title_any"] == [
        "Cancer registry",
        "Kankerregister",
        "Untagged",
        "Kriibs",
    ]
    assert source["labels"] == ["Health", "Gesundheit"]
    assert source["theme"] == [HEAL]
    assert source["format"] == [CSV, PDF]
    assert "license" not in source and "colour" not in source
    assert source["source"] == "alpha"  # the source facet is the record's source
    assert source["modified"] == "2021-05-01T10:00:00+00:00"
    assert source["quality"] == 215
    assert source["sort_title"] == "x" * 200


def test_document_source_defaults() -> None:
    source = req.document_source(doc(modified=datetime(2020, 1, 2)))
    assert source["modified"] == "2020-01-02T00:00:00+00:00"  # a naive date is taken as UTC
    assert source["quality"] == 0
    assert "sort_title" not in source and "text_any" not in source


def test_every_field_a_document_may_have_is_mapped() -> None:
    everything = doc(
        title={lang: ["t"] for lang in (*ANALYSED_LANGUAGES, "")},
        description={"en": ["d"]},
        keywords={"en": ["k"]},
        labels=["l"],
        facets={name: ["v"] for name in FACETS},
        modified=datetime(2020, 1, 1, tzinfo=UTC),
        sort_title="t",
    )
    assert set(req.document_source(everything)) <= set(req.mappings()["properties"])


def test_snowball_stemmers_are_those_tantivy_stems_with() -> None:
    assert req.snowball_language("english") == "English"
    assert req.snowball_language("dutch") == "Kp"  # Kraaij-Pohlmann, as tantivy's "dutch"
    assert req.snowball_language("german") == "German2"


def test_bulk_actions() -> None:
    action = req.index_action("c-records-1", doc("r9", title={"en": ["T"]}))
    assert action["_op_type"] == "index"
    assert action["_index"] == "c-records-1" and action["_id"] == "r9"
    assert action["_source"] == req.document_source(doc("r9", title={"en": ["T"]}))
    assert req.delete_action("c-records", "r9") == {"_op_type": "delete", "_index": "c-records", "_id": "r9"}
    listing = req.source_ids_body("beta")
    assert listing["query"] == {"term": {"source": "beta"}} and listing["_source"] is False


def test_alias_switch_is_one_request_adding_the_new_index_and_deleting_the_old() -> None:
    actions = req.alias_switch_actions("c-records", "c-records-2", ["c-records-1", "c-records-0"])
    assert actions == [
        {"add": {"index": "c-records-2", "alias": "c-records"}},
        {"remove_index": {"index": "c-records-0"}},
        {"remove_index": {"index": "c-records-1"}},
    ]
    # the alias pointed nowhere yet, or already at the new index: only the add
    assert req.alias_switch_actions("c-records", "c-records-2", []) == actions[:1]
    assert req.alias_switch_actions("c-records", "c-records-2", ["c-records-2"]) == actions[:1]


# -- query text ----------------------------------------------------------------------


def multi_match(clause: dict[str, Any]) -> dict[str, Any]:
    """The word as written: a part's first query when it has alternatives (registry, registre …)."""
    if "dis_max" in clause:
        clause = clause["dis_max"]["queries"][0]
    return clause["multi_match"]


def test_one_word_in_any_text_field_title_boosted() -> None:
    query = multi_match(req.text_query("registry"))
    assert query["query"] == "registry"
    assert query["type"] == "best_fields"  # dis-max of the fields, like the embedded backend
    assert query["operator"] == "and"
    assert query["tie_breaker"] == req.DISMAX_TIE
    assert set(query["fields"]) == {
        *(f"text_{lang}" for lang in ANALYSED_LANGUAGES),
        "text_any",
        "title_any^3",
        "labels",
        "concepts^0.3",  # the labels of coded concepts, after direct text matches
    }


def test_every_word_must_match() -> None:
    query = req.text_query("cancer registry")
    assert [multi_match(clause)["query"] for clause in query["bool"]["must"]] == ["cancer", "registry"]
    assert "should" not in query["bool"]


def test_stop_words_only_add_to_the_score() -> None:
    query = req.text_query("the cancer registry")["bool"]
    assert [multi_match(clause)["query"] for clause in query["must"]] == ["cancer", "registry"]
    assert [multi_match(clause)["query"] for clause in query["should"]] == ["the"]
    # unless there is nothing else
    assert multi_match(req.text_query("the"))["query"] == "the"
    both = req.text_query("de the")["bool"]
    assert len(both["must"]) == 2 and "should" not in both


def test_phrases() -> None:
    for text in ('"cancer registry"', "“cancer registry”", "„cancer registry“", "«cancer registry»"):
        query = multi_match(req.text_query(text))
        assert query["type"] == "phrase" and query["query"] == "cancer registry", text
        assert "operator" not in query
    mixed = req.text_query('"cancer registry" biobank')["bool"]["must"]
    assert [(multi_match(c)["type"], multi_match(c)["query"]) for c in mixed] == [
        ("phrase", "cancer registry"),
        ("best_fields", "biobank"),
    ]
    # a one-word phrase is a word; an unbalanced quote is ignored
    assert multi_match(req.text_query('"cancer"'))["type"] == "best_fields"
    assert [multi_match(c)["query"] for c in req.text_query('"cancer registry')["bool"]["must"]] == [
        "cancer",
        "registry",
    ]


def test_a_word_or_any_of_its_alternatives_each_alternative_as_a_phrase() -> None:
    query = req.text_query("leukaemia")["dis_max"]
    assert query["tie_breaker"] == req.DISMAX_TIE
    written, *others = query["queries"]
    assert (written["multi_match"]["type"], written["multi_match"]["query"]) == ("best_fields", "leukaemia")
    assert "boost" not in written["multi_match"]
    # the other spelling first, then the other languages; each counting less than the word itself
    assert [c["multi_match"]["query"] for c in others][:2] == ["leukemia", "leucémie"]
    assert {(c["multi_match"]["type"], c["multi_match"]["boost"]) for c in others} == {
        ("phrase", ALTERNATIVE_BOOST)
    }


def test_prefix_in_the_unstemmed_fields() -> None:
    query = req.text_query("regis*")["dis_max"]
    assert query["tie_breaker"] == req.DISMAX_TIE
    fields = {
        next(iter(q["match_bool_prefix"])): next(iter(q["match_bool_prefix"].values()))
        for q in query["queries"]
    }
    assert set(fields) == {"text_any", "title_any", "labels", "concepts"}
    assert all(clause["query"] == "regis" for clause in fields.values())
    assert fields["title_any"]["boost"] == 3.0
    # a one-letter prefix is just the word, and never optional
    assert multi_match(req.text_query("a*"))["query"] == "a"
    assert "should" not in req.text_query("cancer a*")["bool"]


@pytest.mark.parametrize("text", ["", "   ", '""', '"?!"', "*", "***", "?!", "\x00\t\n", '"', "+-!^~*?\\/{}"])
def test_no_words_no_text_query(text: str) -> None:
    assert req.text_query(text) is None


@pytest.mark.parametrize(
    "text",
    [
        "title:cancer",
        "cancer AND (registry OR",
        "[1 TO 5]",
        "ü:ö",
        "数据 健康",
        "🧬 genome",
        "x" * 300,
        "NOT",
    ],
)
def test_odd_text_becomes_plain_word_queries(text: str) -> None:
    query = req.text_query(text)
    rendered = json.dumps(query)
    assert "query_string" not in rendered and "simple_query_string" not in rendered
    for clause in query.get("bool", {}).get("must", [query]):
        assert set(clause) <= {"multi_match", "dis_max"}


def test_a_word_too_long_to_index_still_must_match() -> None:
    query = req.text_query("cancer " + "x" * 300)["bool"]
    assert len(query["must"]) == 2  # so nothing matches, as in the embedded backend


def test_words_are_capped() -> None:
    query = req.text_query(" ".join(f"word{i}" for i in range(100)))
    assert len(query["bool"]["must"]) == MAX_WORDS


# -- filters, facets, sort, paging ---------------------------------------------------------


def test_facet_filters() -> None:
    assert req.facet_filters(
        {"theme": [HEAL, HEAL, "other"], "format": CSV, "license": [], "language": [3]}
    ) == {
        "theme": {"terms": {"theme": [HEAL, "other"]}},
        "format": {"terms": {"format": [CSV]}},
    }
    assert req.facet_filters({"source": ["beta"]}) == {"source": {"terms": {"source": ["beta"]}}}
    with pytest.raises(QueryError, match="colour"):
        req.facet_filters({"colour": ["red"]})


def test_search_body_without_text_or_filters() -> None:
    body = req.search_body(SearchQuery())
    assert body["query"] == {"match_all": {}}
    assert body["sort"] == [{"id": {"order": "asc"}}]  # relevance without text: by id
    assert body["from"] == 0 and body["size"] == 20
    assert body["track_total_hits"] is True and body["_source"] is False
    assert "post_filter" not in body
    assert list(body["aggs"]) == list(FACETS)
    for name, aggregation in body["aggs"].items():
        assert aggregation["filter"] == {"match_all": {}}
        terms = aggregation["aggs"]["values"]["terms"]
        assert terms == {"field": name, "size": 20, "order": [{"_count": "desc"}, {"_key": "asc"}]}


def test_filters_narrow_hits_and_every_other_facet() -> None:
    body = req.search_body(SearchQuery(text="cancer", filters={"theme": [HEAL], "format": [PDF]}))
    theme, pdf = {"terms": {"theme": [HEAL]}}, {"terms": {"format": [PDF]}}
    # the query holds only the text: the aggregations run on it
    assert body["query"] == req.text_query("cancer")
    assert body["post_filter"] == {"bool": {"filter": [theme, pdf]}}
    assert body["aggs"]["theme"]["filter"] == {"bool": {"filter": [pdf]}}  # without its own filter
    assert body["aggs"]["format"]["filter"] == {"bool": {"filter": [theme]}}
    assert body["aggs"]["source"]["filter"] == {"bool": {"filter": [theme, pdf]}}
    assert body["sort"] == [{"_score": {"order": "desc"}}, {"id": {"order": "asc"}}]


def test_quality_min_narrows_every_count() -> None:
    body = req.search_body(SearchQuery(text="cancer", filters={"theme": [HEAL]}, quality_min=200))
    assert body["query"] == {
        "bool": {"filter": [{"range": {"quality": {"gte": 200}}}], "must": [req.text_query("cancer")]}
    }
    assert "quality" not in json.dumps(body["post_filter"]) + json.dumps(body["aggs"])
    no_text = req.search_body(SearchQuery(quality_min=0))
    assert no_text["query"] == {"bool": {"filter": [{"range": {"quality": {"gte": 0}}}]}}


def test_no_facets_asked_no_aggregations() -> None:
    assert "aggs" not in req.search_body(SearchQuery(facet_size=0))
    assert req.search_body(SearchQuery(facet_size=3))["aggs"]["theme"]["aggs"]["values"]["terms"]["size"] == 3


@pytest.mark.parametrize(
    ("sort", "first"),
    [
        ("modified", {"modified": {"order": "desc", "missing": "_last"}}),
        ("title", {"sort_title": {"order": "asc", "missing": "_last"}}),
        ("quality", {"quality": {"order": "desc"}}),
        ("relevance", {"_score": {"order": "desc"}}),
    ],
)
def test_sorts_end_with_the_id(sort: str, first: dict[str, Any]) -> None:
    assert req.search_body(SearchQuery(text="x", sort=sort))["sort"] == [first, {"id": {"order": "asc"}}]


def test_paging() -> None:
    body = req.search_body(SearchQuery(page=3, size=25))
    assert (body["from"], body["size"]) == (50, 25)
    assert req.paging(SearchQuery(page=0, size=-5)) == (0, 0)
    assert req.within_window(SearchQuery(page=500, size=20))  # hits 9,980–10,000
    assert not req.within_window(SearchQuery(page=501, size=20))
    assert not req.within_window(SearchQuery(size=10_001))
    head = req.search_body(SearchQuery(page=501, size=20), with_hits=False)
    assert (head["from"], head["size"]) == (0, 0) and head["track_total_hits"] is True and "aggs" in head


def test_after_body_continues_the_same_order() -> None:
    query = SearchQuery(text="cancer", filters={"theme": [HEAL]}, quality_min=10, sort="modified")
    full = req.search_body(query)
    first = req.after_body(query, None, 10_000)
    assert first["query"] == full["query"] and first["post_filter"] == full["post_filter"]
    assert first["sort"] == full["sort"]
    assert first["size"] == 10_000 and "search_after" not in first
    assert "aggs" not in first and "from" not in first and first["track_total_hits"] is False
    later = req.after_body(query, ["2021-01-01T00:00:00Z", "r9"], 50)
    assert later["search_after"] == ["2021-01-01T00:00:00Z", "r9"] and later["size"] == 50


def test_request_bodies_are_valid_dsl_for_the_client() -> None:
    dsl = pytest.importorskip("elasticsearch.dsl", reason="elasticsearch.dsl ships with client 8.18+")
    query = SearchQuery(text='the "cancer registry" regis* a*', filters={"theme": [HEAL]}, quality_min=1)
    for body in (
        req.search_body(query),
        req.search_body(SearchQuery()),
        req.search_body(SearchQuery(text="cancer", highlight=True)),
        req.highlight_texts_body(["r1", "r2"]),
        req.after_body(query, [1.5, "r1"], 10),
        req.source_ids_body("beta"),
        req.entries_body(),
    ):
        assert dsl.Search.from_dict(body).to_dict() == body  # raises for an unknown query or aggregation


def test_unknown_facet_is_refused_before_any_request() -> None:
    with pytest.raises(QueryError):
        req.search_body(SearchQuery(filters={"colour": ["red"]}))


def test_entries_body_scrolls_everything_reading_only_the_entry_fields() -> None:
    body = req.entries_body()
    assert body["query"] == {"match_all": {}}
    assert body["_source"] == ["id", "source", "content_hash", "status", "quality"]
    assert body["sort"] == ["_doc"]
    assert set(body["_source"]) <= set(req.mappings()["properties"])
    assert set(body["_source"]) <= set(req.document_source(doc()))  # every document has them


# -- answers ----------------------------------------------------------------------------


def test_parse_entry() -> None:
    hit = {
        "_index": "c-records-1",
        "_id": "r1",
        "_score": None,
        "_source": {
            "id": "r1",
            "source": "alpha",
            "content_hash": "c0ffee",
            "status": "flagged",
            "quality": 215,
        },
        "sort": [0],
    }
    assert req.parse_entry(hit) == IndexEntry(
        id="r1", source="alpha", content_hash="c0ffee", status="flagged", quality=215
    )
    # a document written before a field existed reads as empty, so it shows as out of date
    assert req.parse_entry({"_id": "r2", "_source": {"id": "r2", "source": "beta"}}) == IndexEntry(
        id="r2", source="beta", content_hash="", status="", quality=0
    )


def test_document_source_round_trips_to_its_entry() -> None:
    built = doc("r7", content_hash="abc", status="flagged", quality=42)
    source = req.document_source(built)
    hit = {"_id": "r7", "_source": {name: source[name] for name in req.entries_body()["_source"]}}
    assert req.parse_entry(hit) == IndexEntry(
        id="r7", source="alpha", content_hash="abc", status="flagged", quality=42
    )


def answer(
    hits: list[dict[str, Any]], total: Any, aggregations: dict[str, Any] | None = None
) -> dict[str, Any]:
    response: dict[str, Any] = {"hits": {"total": total, "hits": hits}}
    if aggregations is not None:
        response["aggregations"] = aggregations
    return response


def test_parse_results() -> None:
    response = answer(
        [{"_id": "b", "_score": 2.5, "sort": [2.5, "b"]}, {"_id": "a", "_score": None, "sort": ["a"]}],
        {"value": 7, "relation": "eq"},
        {
            "theme": {
                "doc_count": 7,
                "values": {"buckets": [{"key": "T2", "doc_count": 3}, {"key": "T1", "doc_count": 5}]},
            },
            "source": {
                "doc_count": 7,
                "values": {
                    "buckets": [
                        {"key": "b", "doc_count": 2},
                        {"key": "a", "doc_count": 2},
                        {"key": "c", "doc_count": 1},
                    ]
                },
            },
        },
    )
    results = req.parse_results(response, SearchQuery(facet_size=2))
    assert results.total == 7
    assert [(hit.id, hit.score) for hit in results.hits] == [("b", 2.5), ("a", 0.0)]
    assert list(results.facets) == list(FACETS)
    assert [(b.value, b.count) for b in results.facets["theme"]] == [("T1", 5), ("T2", 3)]
    # equal counts by value; cut to facet_size
    assert [(b.value, b.count) for b in results.facets["source"]] == [("a", 2), ("b", 2)]
    assert results.facets["format"] == []


# -- highlights -------------------------------------------------------------------------


def test_highlight_texts_are_kept_but_not_indexed() -> None:
    assert req.mappings()["properties"]["highlight_text"] == {"type": "object", "enabled": False}
    source = req.document_source(
        doc(title={"en": ["Cancer registry"], "": ["Untagged"]}, description={"nl": ["Kanker."]})
    )
    assert source["highlight_text"] == {
        "title": [{"lang": "en", "text": "Cancer registry"}, {"lang": "", "text": "Untagged"}],
        "description": [{"lang": "nl", "text": "Kanker."}],
    }
    assert "highlight_text" not in req.document_source(doc(keywords={"en": ["k"]}))


def test_only_a_page_asking_for_highlights_with_words_reads_their_texts() -> None:
    assert req.search_body(SearchQuery(text="cancer", highlight=True))["_source"] == ["highlight_text"]
    # a stop word alone must match, so it is marked
    assert req.search_body(SearchQuery(text="the", highlight=True))["_source"] == ["highlight_text"]
    assert req.search_body(SearchQuery(text="cancer"))["_source"] is False  # not asked for
    assert req.search_body(SearchQuery(text="* ?!", highlight=True))["_source"] is False  # no words
    counting = req.search_body(SearchQuery(text="cancer", highlight=True, page=501), with_hits=False)
    assert counting["_source"] is False
    assert req.after_body(SearchQuery(text="cancer", highlight=True), None, 10)["_source"] is False
    assert req.highlight_texts_body(["r1", "r2"]) == {
        "query": {"ids": {"values": ["r1", "r2"]}},
        "size": 2,
        "_source": ["highlight_text"],
    }


def test_parsed_highlights_are_the_embedded_backends(tmp_path: Path) -> None:
    documents = [
        doc("r1", title={"en": ["Cancer registry"]}, description={"en": ["Counts of cancers. " * 30]}),
        doc("r2", title={"nl": ["Kankerregister"], "en": ["Cancer register"]}),
    ]
    query = SearchQuery(text="cancer regis*", highlight=True)
    with EmbeddedIndex(tmp_path / "index") as index:
        index.upsert(documents)
        index.commit()
        embedded = {hit.id: hit.highlights for hit in index.search(query).hits}
    texts = {d.id: req.document_source(d)["highlight_text"] for d in documents}
    response = answer(
        [
            {"_id": record_id, "_score": 1.0, "_source": {"highlight_text": text}}
            for record_id, text in texts.items()
        ],
        2,
    )
    parsed = {hit.id: hit.highlights for hit in req.parse_results(response, query).hits}
    assert parsed == embedded and parsed["r1"]["description"][0].text.endswith("…")
    # a prefix marks words that start with it: not "Kankerregister"
    assert [marked.lang for marked in parsed["r2"]["title"]] == ["en"]
    assert req.parse_highlight_texts(response) == texts  # as a deep page reads them by id


def test_hits_without_highlight_texts_have_no_highlights() -> None:
    response = answer([{"_id": "old", "_score": 1.0}, {"_id": "odd", "_source": {"highlight_text": [1]}}], 2)
    hits = req.parse_results(response, SearchQuery(text="cancer", highlight=True)).hits
    assert [hit.highlights for hit in hits] == [{}, {}]
    assert req.parse_highlight_texts(response) == {}


def test_parse_results_without_aggregations() -> None:
    results = req.parse_results(answer([], 0), SearchQuery(facet_size=0))
    assert results.total == 0 and results.hits == []
    assert results.facets == {name: [] for name in FACETS}


# -- settings and connection ------------------------------------------------------------


def settings_of(tmp_path: Path, search: dict[str, Any]) -> SearchSettings:
    return parse_settings({"search": search}, tmp_path / "catalogue.toml").search


@pytest.fixture(autouse=True)
def no_secrets_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CATALOGUE_ES_API_KEY", raising=False)
    monkeypatch.delenv("CATALOGUE_ES_PASSWORD", raising=False)


def test_search_settings_default_to_embedded(tmp_path: Path) -> None:
    assert parse_settings({}, tmp_path / "catalogue.toml").search == SearchSettings()
    assert SearchSettings().backend == "embedded" and SearchSettings().index_prefix == "catalogue"


def test_search_settings_for_elasticsearch(tmp_path: Path) -> None:
    (tmp_path / "certs").mkdir()
    (tmp_path / "certs" / "ca.crt").write_text("-----BEGIN CERTIFICATE-----\n")
    search = settings_of(
        tmp_path,
        {
            "backend": "elasticsearch",
            "url": "https://es.example.org:9200/",
            "api_key": "secret-key",
            "ca_certs": "certs/ca.crt",
            "index_prefix": "gdi-catalogue",
            "verify_certs": True,
        },
    )
    assert search.backend == "elasticsearch"
    assert search.url == "https://es.example.org:9200"
    assert search.api_key == "secret-key"
    assert search.ca_certs == (tmp_path / "certs" / "ca.crt").resolve()
    assert search.index_prefix == "gdi-catalogue"
    assert "secret-key" not in repr(search)


def test_secrets_from_the_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CATALOGUE_ES_PASSWORD", "from-env")
    search = settings_of(tmp_path, {"backend": "elasticsearch", "url": "http://es:9200", "user": "catalogue"})
    assert (search.user, search.password) == ("catalogue", "from-env")
    assert "from-env" not in repr(search)
    monkeypatch.setenv("CATALOGUE_ES_API_KEY", "env-key")
    assert settings_of(tmp_path, {"backend": "elasticsearch", "url": "http://es:9200"}).api_key == "env-key"
    assert (
        settings_of(
            tmp_path, {"backend": "elasticsearch", "url": "http://es:9200", "api_key": "file"}
        ).api_key
        == "env-key"
    )


@pytest.mark.parametrize(
    ("search", "key"),
    [
        ("elasticsearch", "search"),
        ({"backend": "solr"}, "search.backend"),
        ({"backend": "elasticsearch"}, "search.url"),
        ({"backend": "elasticsearch", "url": "es.example.org:9200"}, "search.url"),
        ({"url": "ftp://es"}, "search.url"),
        ({"url": "http://es:9200", "api_key": "k", "user": "u", "password": "p"}, "search.api_key"),
        ({"url": "http://es:9200", "api_key": ""}, "search.api_key"),
        ({"url": "http://es:9200", "user": "u"}, "search.password"),
        ({"url": "http://es:9200", "password": "p"}, "search.user"),
        ({"url": "https://es:9200", "ca_certs": "missing.pem"}, "search.ca_certs"),
        ({"index_prefix": "Catalogue"}, "search.index_prefix"),
        ({"index_prefix": "-catalogue"}, "search.index_prefix"),
        ({"index_prefix": "a/b"}, "search.index_prefix"),
        ({"verify_certs": "no"}, "search.verify_certs"),
        ({"colour": "red"}, "search.colour"),
    ],
)
def test_bad_search_settings_name_their_key(tmp_path: Path, search: Any, key: str) -> None:
    with pytest.raises(ConfigError) as raised:
        parse_settings({"search": search}, tmp_path / "catalogue.toml")
    assert raised.value.key == key


def test_ca_certs_need_https(tmp_path: Path) -> None:
    (tmp_path / "ca.pem").write_text("x")
    with pytest.raises(ConfigError) as raised:
        settings_of(tmp_path, {"url": "http://es:9200", "ca_certs": "ca.pem"})
    assert raised.value.key == "search.ca_certs"


def test_client_options() -> None:
    keyed = client_options(SearchSettings(backend="elasticsearch", url="http://es:9200", api_key="k"))
    assert keyed["hosts"] == ["http://es:9200"] and keyed["api_key"] == "k"
    assert "basic_auth" not in keyed and "ca_certs" not in keyed and "verify_certs" not in keyed
    basic = client_options(
        SearchSettings(
            backend="elasticsearch",
            url="https://es:9200",
            user="u",
            password="p",
            ca_certs=Path("/etc/ca.pem"),
            verify_certs=False,
        )
    )
    assert basic["basic_auth"] == ("u", "p") and "api_key" not in basic
    assert basic["ca_certs"] == "/etc/ca.pem" and basic["verify_certs"] is False


@pytest.mark.parametrize(
    "settings",
    [
        SearchSettings(backend="elasticsearch", url="http://127.0.0.1:9200", api_key="k"),
        SearchSettings(backend="elasticsearch", url="https://127.0.0.1:9200", user="u", password="p"),
        SearchSettings(backend="elasticsearch", url="https://127.0.0.1:9200", verify_certs=False),
    ],
)
def test_the_client_accepts_the_options(settings: SearchSettings) -> None:
    from elasticsearch import Elasticsearch

    Elasticsearch(**client_options(settings)).close()  # builds the client; sends nothing


def test_open_index_chooses_the_backend(tmp_path: Path) -> None:
    embedded = open_index(SearchSettings(), tmp_path / "index")
    try:
        assert isinstance(embedded, EmbeddedIndex)
    finally:
        embedded.close()
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    settings = SearchSettings(backend="elasticsearch", url=f"http://127.0.0.1:{port}")
    with pytest.raises(SearchBackendError, match=f"127.0.0.1:{port}"):
        open_index(settings, tmp_path / "unused")


def test_near_is_a_fuzzy_term_query_on_the_folded_field_in_id_order() -> None:
    body = req.near_body("leukemai", 50)
    assert body["query"] == {
        "fuzzy": {
            "text_any": {
                "value": "leukemai",
                "fuzziness": 2,
                "transpositions": True,
                "max_expansions": 10_000,
            }
        }
    }
    assert (
        body["sort"] == [{"id": "asc"}] and body["size"] == 50 and body["_source"] == [req.HIGHLIGHT_SOURCE]
    )
    response = {
        "hits": {
            "hits": [{"_source": {req.HIGHLIGHT_SOURCE: {"title": [{"lang": "en", "text": "Leukemia"}]}}}, {}]
        }
    }
    assert req.parse_near(response) == ["Leukemia"]
