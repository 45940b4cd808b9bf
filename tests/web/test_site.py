"""The website and JSON API, driven over HTTP against a harvested catalogue."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from catalogue.web import create_app

DOC = """
@prefix dcat: <http://www.w3.org/ns/dcat#> .
@prefix dct: <http://purl.org/dc/terms/> .
@prefix foaf: <http://xmlns.com/foaf/0.1/> .
@prefix vcard: <http://www.w3.org/2006/vcard/ns#> .
@prefix ex: <https://node.example/> .
@prefix theme: <http://publications.europa.eu/resource/authority/data-theme/> .
@prefix ft: <http://publications.europa.eu/resource/authority/file-type/> .

ex:catalog a dcat:Catalog ; dct:title "Node"@en ; dct:description "A node."@en ; dct:publisher ex:org ;
   dcat:dataset ex:wgs, ex:cohort, ex:broken .
ex:org a foaf:Agent ; foaf:name "Universitair Ziekenhuis"@nl, "University Hospital"@en .
ex:wgs a dcat:Dataset ;
   dct:title "Whole-genome sequencing of rare diseases"@en, "Volledige genoomsequentie van zeldzame ziekten"@nl,
       "Séquençage du génome entier des maladies rares"@fr ;
   dct:description "Genomes of <b>2,300</b> patients."@en, "Genomen van 2.300 patiënten."@nl ;
   dcat:keyword "rare diseases"@en, "zeldzame ziekten"@nl ;
   dcat:theme theme:HEAL ; dct:publisher ex:org ; dct:modified "2024-05-01"^^<http://www.w3.org/2001/XMLSchema#date> ;
   dcat:contactPoint [ a vcard:Kind ; vcard:fn "Data desk" ; vcard:hasEmail <mailto:desk@node.example> ] ;
   dcat:distribution [ a dcat:Distribution ; dcat:accessURL <https://node.example/access/wgs> ;
       dct:format ft:CSV ; dct:title "Variant table"@en ] .
ex:cohort a dcat:Dataset ; dct:title "Cardiovascular cohort"@en ; dct:description "Heart study."@en ;
   dcat:theme theme:TECH ; dct:publisher ex:org ; dct:modified "2023-01-01"^^<http://www.w3.org/2001/XMLSchema#date> .
ex:broken a dcat:Dataset ; dct:title "Broken record without description"@en .
"""


@pytest.fixture
def client(harvested):
    backends, _, _ = harvested(DOC)
    with TestClient(create_app(backends)) as client:
        yield client


def record_id(client: TestClient, text: str) -> str:
    return client.get("/api/search", params={"q": text}).json()["results"][0]["id"]


def test_api_search_shape_and_facets(client: TestClient) -> None:
    body = client.get("/api/search", params={"q": "genome"}).json()
    assert body["total"] == 1 and body["page"] == 1 and body["size"] == 20
    hit = body["results"][0]
    assert hit["uri"] == "https://node.example/wgs" and hit["source"] == "be"
    assert hit["title"] == "Whole-genome sequencing of rare diseases"
    themes = body["facets"]["theme"]
    assert themes == [
        {
            "value": "http://publications.europa.eu/resource/authority/data-theme/HEAL",
            "label": "Health",
            "count": 1,
        }
    ]
    assert body["facets"]["source"] == [{"value": "be", "label": "Belgian node", "count": 1}]


def test_api_search_in_other_languages(client: TestClient) -> None:
    assert client.get("/api/search", params={"q": "zeldzame ziekten"}).json()["total"] == 1
    assert client.get("/api/search", params={"q": "maladies rares"}).json()["total"] == 1
    # a concept label in a language the record never uses
    assert client.get("/api/search", params={"q": "Gesundheit"}).json()["total"] == 1
    french = client.get("/api/search", params={"q": "génome", "lang": "fr"}).json()
    assert french["results"][0]["title"] == "Séquençage du génome entier des maladies rares"
    assert french["facets"]["theme"][0]["label"] == "Santé"


def test_api_filters_sort_and_paging(client: TestClient) -> None:
    heal = "http://publications.europa.eu/resource/authority/data-theme/HEAL"
    assert client.get("/api/search", params={"theme": heal}).json()["total"] == 1
    everything = client.get("/api/search", params={"sort": "modified", "size": 1}).json()
    assert everything["total"] == 2 and len(everything["results"]) == 1
    assert everything["results"][0]["uri"] == "https://node.example/wgs"
    second = client.get("/api/search", params={"sort": "modified", "size": 1, "page": 2}).json()
    assert second["results"][0]["uri"] == "https://node.example/cohort"
    publisher = client.get("/api/search").json()["facets"]["publisher"][0]
    assert publisher["label"] == "University Hospital"
    assert client.get("/api/search", params={"sort": "nonsense"}).status_code == 422


def test_api_dataset_includes_validation(client: TestClient) -> None:
    body = client.get(f"/api/datasets/{record_id(client, 'genome')}").json()
    assert body["validation"]["status"] == "published" and body["validation"]["conforms"] is True
    assert body["distributions"][0]["access_urls"] == ["https://node.example/access/wgs"]
    assert body["contact_points"][0]["email"] == "desk@node.example"
    assert client.get("/api/datasets/be-000000000000").status_code == 404


def test_home_and_search_pages(client: TestClient) -> None:
    home = client.get("/")
    assert home.status_code == 200 and "Belgian node" in home.text and '<html lang="en">' in home.text
    page = client.get("/datasets", params={"q": "genome"})
    assert page.status_code == 200
    assert "Whole-<mark>genome</mark> sequencing of rare diseases" in page.text
    assert "Health" in page.text  # facet label
    assert client.get("/datasets", params={"q": "<script>alert(1)</script>"}).text.count("<script>alert") == 0


def test_dataset_page_in_the_visitors_language(client: TestClient) -> None:
    rid = record_id(client, "genome")
    dutch = client.get(f"/datasets/{rid}", headers={"Accept-Language": "nl-BE,nl;q=0.9,en;q=0.5"})
    assert "Volledige genoomsequentie van zeldzame ziekten" in dutch.text
    assert '<html lang="nl">' in dutch.text
    english = client.get(f"/datasets/{rid}", params={"lang": "en"})
    assert "Whole-genome sequencing of rare diseases" in english.text
    assert "https://node.example/access/wgs" in english.text and "Variant table" in english.text
    assert "&lt;b&gt;2,300&lt;/b&gt;" in english.text  # description text is escaped, never HTML
    assert "Data desk" in english.text and "Conforms to dcat-ap-3" in english.text


def test_sources_page_lists_rejected_records_with_messages(client: TestClient) -> None:
    overview = client.get("/sources")
    assert "Belgian node" in overview.text
    assert "Broken record without description" in overview.text  # listed with its messages
    assert "dct:description" in overview.text.split("Broken record without description")[1]
    detail = client.get("/sources/be")
    assert "Broken record without description" in detail.text
    assert "description" in detail.text.lower()
    assert client.get("/sources/zz").status_code == 404


def test_openapi_docs_are_served(client: TestClient) -> None:
    assert client.get("/docs").status_code == 200
    assert "/api/search" in client.get("/openapi.json").json()["paths"]


def test_links_keep_the_chosen_language_and_name_nodes(client: TestClient) -> None:
    page = client.get("/datasets", params={"q": "genome", "lang": "fr"})
    assert "lang=fr" in page.text.split('class="facets"')[1]
    assert "Belgian node" in page.text.split('class="facets"')[1]  # the node facet shows the title
    body = client.get("/api/search").json()
    assert body["facets"]["source"] == [{"value": "be", "label": "Belgian node", "count": 2}]
    switcher = client.get("/datasets", params={"q": "genome", "theme": "x"}).text.split('class="lang"')[1]
    assert 'name="next" value="/datasets?q=genome&amp;theme=x"' in switcher  # the switch comes back here


def test_text_in_another_language_is_marked_for_screen_readers(client: TestClient) -> None:
    rid = record_id(client, "genome")
    german = client.get(f"/datasets/{rid}", params={"lang": "de"}).text
    assert '<html lang="de">' in german
    assert '<h1 lang="en">Whole-genome sequencing of rare diseases</h1>' in german
    dutch = client.get(f"/datasets/{rid}", params={"lang": "nl"}).text
    assert "<h1>Volledige genoomsequentie van zeldzame ziekten</h1>" in dutch
    results = client.get("/datasets", params={"q": "genome", "lang": "de"}).text
    assert 'lang="en">Whole-<mark>genome</mark> sequencing of rare diseases</a>' in results


# -- the interface in the visitor's language (issue 14) ------------------------------------


def page_paths(client: TestClient) -> list[str]:
    """One page of each kind the interface has."""
    rid = record_id(client, "genome")
    return [
        "/", "/datasets?q=genome", f"/datasets?theme={HEAL}", f"/datasets/{rid}", "/sources", "/sources/be",
        "/quality", "/quality/be", "/validate", "/sparql", "/docs", "/nowhere",
    ]  # fmt: skip


HEAL = "http://publications.europa.eu/resource/authority/data-theme/HEAL"


@pytest.mark.parametrize("lang", ["fr", "nl", "de"])
def test_pages_in_another_language_carry_no_english_interface_string(client: TestClient, lang: str) -> None:
    from leaks import leaks

    for path in page_paths(client):
        page = client.get(path, headers={"Accept-Language": lang, "Accept": "text/html"})
        assert f'<html lang="{lang}">' in page.text, path
        assert leaks(page.text, lang) == [], (lang, path)
    document = DOC.replace(
        'dct:title "Node"@en', 'dct:title "Knoop"@nl'
    )  # a record's text, not the interface's
    report = client.post(
        "/validate", data={"data": document, "profile": "dcat-ap-3"}, headers={"Accept-Language": lang}
    )
    assert leaks(report.text, lang) == [], (lang, "validation report")


def test_the_leak_finder_finds_english(client: TestClient) -> None:
    from leaks import leaks

    english = client.get("/datasets", params={"q": "genome"}).text
    assert "Search datasets" in leaks(english, "de") and "Sort by" in leaks(english, "de")


def test_language_is_chosen_by_parameter_then_cookie_then_accept_language(client: TestClient) -> None:
    german = {"Accept-Language": "de"}
    assert '<html lang="de">' in client.get("/sources", headers=german).text
    client.cookies.set("lang", "nl")
    assert '<html lang="nl">' in client.get("/sources", headers=german).text
    assert '<html lang="fr">' in client.get("/sources", params={"lang": "fr"}, headers=german).text
    client.cookies.clear()
    # a record language without an interface catalogue: records in Finnish, the interface in English
    assert '<html lang="en">' in client.get("/sources", headers={"Accept-Language": "fi"}).text
    assert '<html lang="de">' in client.get("/sources", headers={"Accept-Language": "fi, de;q=0.8"}).text


def test_the_language_switch_sets_a_cookie_and_returns_to_the_page(client: TestClient) -> None:
    answer = client.get(
        "/language", params={"lang": "fr", "next": "/datasets?q=genome&lang=de"}, follow_redirects=False
    )
    assert answer.status_code == 303
    assert answer.headers["location"] == "/datasets?q=genome&lang=fr"
    assert "lang=fr" in answer.headers["set-cookie"] and "SameSite=lax" in answer.headers["set-cookie"]
    client.cookies.clear()
    page = client.get("/language", params={"lang": "nl", "next": "/sources"})
    assert page.status_code == 200 and '<html lang="nl">' in page.text
    assert '<html lang="nl">' in client.get("/quality").text  # the cookie keeps it
    client.cookies.clear()


def test_every_link_keeps_a_language_chosen_in_the_url(client: TestClient) -> None:
    import re

    for path in page_paths(client):
        text = client.get(
            path + ("&" if "?" in path else "?") + "lang=de", headers={"Accept": "text/html"}
        ).text
        for href in re.findall(r'href="(/[^"#]*)', text):
            if href.startswith(("/static/", "/api/", "/openapi.json", "/quality.csv")) or re.search(
                r"\.\w+$", href
            ):
                continue  # files and programs' answers are not in a language
            assert "lang=de" in href, (path, href)


def test_negotiated_pages_vary_on_language(client: TestClient) -> None:
    for path in page_paths(client):
        vary = client.get(path, headers={"Accept": "text/html"}).headers.get("vary", "")
        assert "Accept-Language" in vary and "Cookie" in vary, (path, vary)
    assert "Accept-Language" not in client.get("/api/sources").headers.get("vary", "")
    assert "Accept" in client.get("/").headers["vary"]  # the negotiation between HTML and RDF stays


def test_numbers_sizes_and_dates_are_formatted_for_the_locale(harvested) -> None:
    sized = DOC.replace(
        'dct:title "Variant table"@en ]',
        'dct:title "Variant table"@en ; dcat:byteSize "3870498500"^^<http://www.w3.org/2001/XMLSchema#nonNegativeInteger> ]',
    )
    backends, _, _ = harvested(sized)
    with TestClient(create_app(backends)) as client:
        rid = record_id(client, "genome")
        french = client.get(f"/datasets/{rid}", params={"lang": "fr"}).text
        assert "3,9\u202fGo" in french or "3,9\xa0Go" in french
        assert "1 mai 2024" in french and "3870498500 bytes" not in french
        assert "May 1, 2024" in client.get(f"/datasets/{rid}").text


def test_home_page_offers_ways_in(client: TestClient) -> None:
    home = client.get("/").text
    assert 'role="search"' in home
    assert (
        "Browse by theme" in home
        and f"/datasets?theme={HEAL.replace(':', '%3A').replace('/', '%2F')}" in home
    )
    assert "Newest datasets" in home and home.index("Whole-genome sequencing") < home.index(
        "Cardiovascular cohort"
    )
    published = client.get("/api/search").json()["total"]
    assert f"{published} datasets from 1 national nodes" in home  # the same count as the search


def test_result_entries_show_what_researchers_weigh(client: TestClient) -> None:
    page = client.get("/datasets", params={"q": "genome"}).text
    entry = page.split('<ol class="hits"')[1].split("</li>")[0]
    assert "University Hospital" in entry and "CSV" in entry and "Belgian" not in entry.split("<h2")[0]
    assert entry.index("<h2") < entry.index("result-facts")  # facts after the title, no badge before it
    assert "conforms" not in entry


def test_small_screens_get_results_first_and_filters_behind_a_disclosure(client: TestClient) -> None:
    page = client.get("/datasets", params={"q": "genome"}).text
    assert '<a class="skip" href="#hits">' in page and '<ol class="hits" id="hits" tabindex="-1">' in page
    assert '<details class="filters">' in page  # closed until opened, without JavaScript
    chosen = client.get("/datasets", params={"theme": HEAL}).text
    assert '<details class="filters" open>' in chosen  # a chosen filter stays in sight


def test_pages_load_only_same_origin_resources(client: TestClient) -> None:
    import re

    for path in page_paths(client):
        text = client.get(path, headers={"Accept": "text/html"}).text
        for tag in re.findall(r"<(?:script|link|img|iframe|source)\b[^>]*>", text):
            for url in re.findall(r'(?:src|href)="([^"]*)"', tag):
                assert url.startswith("/") and not url.startswith("//"), (path, tag)
        assert "cdn." not in text and "fastapi.tiangolo.com" not in text, path


def test_api_docs_and_favicon_are_served_from_here(client: TestClient) -> None:
    docs = client.get("/docs")
    assert docs.status_code == 200 and "/static/swagger/swagger-ui-bundle.js" in docs.text
    bundle = client.get("/static/swagger/swagger-ui-bundle.js")
    assert bundle.status_code == 200 and len(bundle.content) > 100_000
    assert client.get("/static/swagger/swagger-ui.css").headers["content-type"].startswith("text/css")
    assert client.get("/static/docs.js").status_code == 200
    icon = client.get("/favicon.ico")
    assert icon.status_code == 200 and icon.headers["content-type"] == "image/svg+xml"
    assert client.get("/static/swagger/index.html").status_code == 404  # only the files the page needs


def test_result_entries_show_the_number_of_individuals(harvested) -> None:
    counted = DOC.replace(
        "dcat:theme theme:HEAL ;",
        'dcat:theme theme:HEAL ; <http://healthdataportal.eu/ns/health#numberOfUniqueIndividuals> "2300"'
        "^^<http://www.w3.org/2001/XMLSchema#nonNegativeInteger> ;",
    )
    backends, _, _ = harvested(counted)
    with TestClient(create_app(backends)) as client:
        entry = client.get("/datasets", params={"q": "genome", "lang": "de"}).text.split('<ol class="hits"')[
            1
        ]
        facts = entry.split("</li>")[0]
        assert "Personen" in facts and "2.300" in facts  # labelled and formatted in the interface language


def test_error_pages_speak_the_visitors_language_or_say_they_do_not(client: TestClient) -> None:
    german = {"Accept-Language": "de", "Accept": "text/html"}
    missing = client.get("/sources/zz", headers=german)
    assert missing.status_code == 404 and "Es gibt keinen Knoten namens &#39;zz&#39;." in missing.text
    assert "Es gibt keinen Datensatz" in client.get("/datasets/nope", headers=german).text
    assert "no dataset" in str(client.get("/api/datasets/nope").json())  # programs: English
    invalid = client.get("/datasets", params={"page": "0"}, headers=german)
    assert (
        invalid.status_code == 400 and '<p lang="en">page:' in invalid.text
    )  # a validator's English, marked
