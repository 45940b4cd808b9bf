"""Highlighted matches on the search results page and in the JSON API, driven over HTTP.

What gets marked is the index contract's business (tests/index); here: that
the marks reach the page and the API, that the visitor's language is
preferred, and that harvested text stays escaped around the marks.
"""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from catalogue.web import create_app

FILLER = "Admissions are counted per hospital, ward and week, with the age band of each patient. " * 4

DOC = f"""
@prefix dcat: <http://www.w3.org/ns/dcat#> .
@prefix dct: <http://purl.org/dc/terms/> .
@prefix foaf: <http://xmlns.com/foaf/0.1/> .
@prefix ex: <https://node.example/> .
@prefix theme: <http://publications.europa.eu/resource/authority/data-theme/> .

ex:catalog a dcat:Catalog ; dct:title "Node"@en ; dct:description "A node."@en ; dct:publisher ex:org ;
   dcat:dataset ex:asthma, ex:air .
ex:org a foaf:Agent ; foaf:name "Health Institute"@en .
ex:asthma a dcat:Dataset ;
   dct:title "<script>alert('x')</script> Asthma registry"@en ;
   dct:description "{FILLER}Severe asthma cases <img src=x onerror=alert(1)> are flagged. {FILLER}"@en ;
   dcat:theme theme:HEAL ; dct:publisher ex:org .
ex:air a dcat:Dataset ;
   dct:title "Air quality 2024"@en, "Luchtkwaliteit 2024"@nl ;
   dct:description "Measurements in Ghent."@en, "Metingen van de luchtkwaliteit in Gent."@nl ;
   dcat:theme theme:ENVI ; dct:publisher ex:org .
"""


@pytest.fixture
def client(harvested):
    backends, _, _ = harvested(DOC)
    with TestClient(create_app(backends)) as client:
        yield client


def hits(client: TestClient, **params: str) -> str:
    page = client.get("/datasets", params=params)
    assert page.status_code == 200
    return page.text.split('<ol class="hits"')[1].split(">", 1)[1].split("</ol>")[0]


def test_the_query_words_are_marked_in_title_and_description_snippet(client: TestClient) -> None:
    shown = hits(client, q="asthma")
    assert "<mark>Asthma</mark> registry</a></h2>" in shown
    # the long description is cut around the match, the word marked
    assert "Severe <mark>asthma</mark> cases" in shown
    snippet = shown.split("Severe <mark>asthma</mark>")[0].rsplit("<p", 1)[1]
    assert snippet.startswith(">…")
    assert FILLER * 2 not in shown


def test_harvested_markup_stays_escaped_around_the_marks(client: TestClient) -> None:
    shown = hits(client, q="asthma")
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; <mark>Asthma</mark>" in shown
    assert "&lt;img src=x onerror=alert(1)&gt;" in shown
    # a mark inside what looks like a tag: still text
    inside = hits(client, q="script")
    assert "&lt;<mark>script</mark>&gt;alert" in inside
    for page in (shown, inside):
        assert "<script" not in page and "<img" not in page


def test_a_phrase_is_marked_as_one(client: TestClient) -> None:
    assert "<mark>Asthma registry</mark>" in hits(client, q='"asthma registry"')


def test_without_words_nothing_is_marked(client: TestClient) -> None:
    shown = hits(client)
    assert "<mark>" not in shown and "Air quality 2024" in shown
    assert all(result["highlights"] == {} for result in client.get("/api/search").json()["results"])


def test_the_visitors_language_first_else_where_the_words_are(client: TestClient) -> None:
    # in both titles: each visitor sees their own
    dutch = hits(client, q="2024", lang="nl")
    assert "Luchtkwaliteit <mark>2024</mark></a>" in dutch and "Air quality" not in dutch
    assert "Air quality <mark>2024</mark></a>" in hits(client, q="2024", lang="en")
    # only in the Dutch text: shown in Dutch, and said to be Dutch
    english = hits(client, q="luchtkwaliteit", lang="en")
    assert 'lang="nl"><mark>Luchtkwaliteit</mark> 2024</a>' in english
    assert '<p lang="nl">Metingen van de <mark>luchtkwaliteit</mark> in Gent.</p>' in english
    assert 'lang="en"><mark>Air</mark> quality 2024</a>' in hits(client, q="air", lang="nl")


def test_api_search_returns_highlights_as_text_and_ranges(client: TestClient) -> None:
    (result,) = client.get("/api/search", params={"q": "asthma"}).json()["results"]
    title, description = result["highlights"]["title"], result["highlights"]["description"]
    assert title["text"] == "<script>alert('x')</script> Asthma registry"  # plain text, never HTML
    assert title["lang"] == "en"
    assert [title["text"][start:end] for start, end in title["ranges"]] == ["Asthma"]
    assert description["text"].startswith("…") and description["text"].endswith("…")
    assert [description["text"][start:end] for start, end in description["ranges"]] == ["asthma"]
    (air,) = client.get("/api/search", params={"q": "luchtkwaliteit", "lang": "en"}).json()["results"]
    assert air["title"] == "Air quality 2024"
    assert air["highlights"]["title"] == {"text": "Luchtkwaliteit 2024", "lang": "nl", "ranges": [[0, 14]]}
    assert "highlights" in client.get("/openapi.json").json()["paths"]["/api/search"]["get"]["description"]
