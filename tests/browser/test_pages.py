"""Every page type in a real Chromium: WCAG 2.1 AA by axe-core, reflow at 320 px, keyboard, no JavaScript.

One server and one browser for the session (tests/browser/conftest.py); the
pages are visited in a loop. Traffic goes to 127.0.0.1 only: a request for
anything else fails the test.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote

import pytest
from leaks import leaks

WIDTHS = (1280, 320)
LANGUAGES = ("en", "de")
QUERY = "PREFIX dcat: <http://www.w3.org/ns/dcat#> SELECT ?d WHERE { ?d a dcat:Dataset } LIMIT 3"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


def page_urls(site: str, first_dataset: str) -> dict[str, str]:
    """One page of each type the researcher and the steward see."""
    theme = quote("http://publications.europa.eu/resource/authority/data-theme/HEAL", safe="")
    return {
        "home": "/",
        "results with filters": f"/datasets?q=genome&theme={theme}",
        "dataset": first_dataset,
        "nodes": "/sources",
        "node": "/sources/be",
        "quality": "/quality",
        "node quality": "/quality/be",
        "validate form": "/validate",
        "sparql form": "/sparql",
        "sparql results": f"/sparql?format=html&query={quote(QUERY)}",
        "api docs": "/docs",
        "not found": "/datasets/nowhere-at-all",
    }


@pytest.fixture(scope="module")
def urls(site: str, browser: Any) -> dict[str, str]:
    import httpx

    hit = httpx.get(f"{site}/api/search", params={"q": "genome"}).json()["results"][0]
    return page_urls(site, f"/datasets/{quote(hit['id'], safe='')}")


class Watch:
    """What a page did besides rendering: console errors, uncaught errors, requests to elsewhere."""

    def __init__(self, page: Any, site: str) -> None:
        self.errors: list[str] = []
        self.elsewhere: list[str] = []
        page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: self.errors.append(str(e)))

        def route(r: Any) -> None:
            if r.request.url.startswith(site) or r.request.url.startswith("data:"):
                r.continue_()
            else:
                self.elsewhere.append(r.request.url)
                r.abort()

        page.route("**/*", route)


@pytest.fixture(scope="module")
def context(browser: Any, site: str) -> Iterator[Any]:
    ctx = browser.new_context(base_url=site)
    yield ctx
    ctx.close()


def audit(page: Any, axe: str) -> list[dict[str, Any]]:
    page.evaluate(
        axe + "\n;0"
    )  # evaluated by the browser's debugger: the pages' CSP rightly refuses inline script
    result = page.evaluate(
        "async (tags) => (await axe.run(document, {runOnly: {type: 'tag', values: tags}})).violations",
        AXE_TAGS,
    )
    return [{"id": v["id"], "nodes": [n["target"] for n in v["nodes"]][:3]} for v in result]


def test_every_page_type_in_two_languages_and_two_widths(
    context: Any, urls: dict[str, str], site: str, axe: str
) -> None:
    """0 WCAG 2.1 AA violations, no horizontal scrolling, no console errors, nothing from elsewhere."""
    problems = []
    page = context.new_page()
    watch = Watch(page, site)
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        for lang in LANGUAGES:
            for name, path in urls.items():
                url = path + ("&" if "?" in path else "?") + f"lang={lang}"
                answer = page.goto(url)
                expected = 404 if name == "not found" else 200
                if answer is None or answer.status != expected:
                    problems.append((name, lang, width, "status", answer.status if answer else None))
                if name == "api docs":
                    page.wait_for_selector("#swagger-ui .info", timeout=15_000)
                for violation in audit(page, axe):
                    problems.append((name, lang, width, "axe", violation))
                overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
                if overflow > 0:
                    problems.append((name, lang, width, "scrolls sideways by px", overflow))
                if lang != "en" and (english := leaks(page.content(), lang)) and name != "api docs":
                    problems.append((name, lang, width, "English", english))
    page.close()
    errors = [e for e in watch.errors if "404" not in e]  # the 404 page's own status is logged by Chromium
    assert not problems, "\n".join(json.dumps(problem, default=str) for problem in problems)
    assert not errors, errors
    assert not watch.elsewhere, watch.elsewhere


def test_a_validation_report_passes_axe(context: Any, site: str, axe: str) -> None:
    page = context.new_page()
    page.goto("/validate?lang=fr")
    page.fill("#paste-data", "<https://x.example/d> a <http://www.w3.org/ns/dcat#Dataset> .")
    page.click("form.validate:first-of-type button[type=submit]")
    page.wait_for_selector("#report")
    assert audit(page, axe) == []
    assert leaks(page.content(), "fr") == []
    page.set_viewport_size({"width": 320, "height": 800})
    assert page.evaluate("document.documentElement.scrollWidth - window.innerWidth") <= 0
    page.close()


def test_keyboard_reaches_the_first_result_in_a_few_tabs(context: Any, site: str) -> None:
    page = context.new_page()
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto("/datasets?q=genome")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Skip to content"
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline not in ("none", ""), "the focused link shows no focus"
    assert page.evaluate("document.activeElement.getBoundingClientRect().left") >= 0  # on screen when focused
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Skip to results"
    page.keyboard.press("Enter")
    page.keyboard.press("Tab")  # the fourth: the first result's link
    first = page.evaluate(
        "document.activeElement.closest('ol.hits > li') === document.querySelector('ol.hits > li')"
    )
    assert first, page.evaluate("document.activeElement.outerHTML")
    assert page.evaluate("getComputedStyle(document.activeElement).outlineStyle") != "none"
    page.close()


def test_the_same_flows_work_without_javascript(browser: Any, site: str) -> None:
    context = browser.new_context(
        base_url=site, java_script_enabled=False, viewport={"width": 320, "height": 800}
    )
    page = context.new_page()
    watch = Watch(page, site)
    page.goto("/")
    page.fill("#q", "genome")
    page.click("form.search button[type=submit]")
    assert "/datasets?" in page.url and page.locator("ol.hits li").count() > 0
    filters = page.locator("details.filters")
    assert filters.get_attribute("open") is None and not page.locator(".facet a").first.is_visible()
    page.click("details.filters > summary")
    facet = page.locator(".facet a").first
    assert facet.is_visible()
    facet.click()
    assert "aria-current" in page.content() and page.locator("ol.hits li").count() > 0
    page.select_option("#lang-select", "fr")
    page.click("form.lang button[type=submit]")
    assert page.locator("html").get_attribute("lang") == "fr" and "genome" in page.url
    page.goto("/sources")  # the cookie keeps the choice
    assert page.locator("html").get_attribute("lang") == "fr"
    page.goto("/validate")
    page.fill("#paste-data", "<https://x.example/d> a <http://www.w3.org/ns/dcat#Dataset> .")
    page.click("form.validate:first-of-type button[type=submit]")
    assert page.locator("#report").count() == 1
    page.goto("/sparql?format=html&query=" + quote(QUERY))
    assert page.locator("table.bindings tbody tr").count() == 3
    page.goto("/docs")
    assert "JavaScript" in page.locator("main").inner_text()
    context.close()
    assert not watch.errors and not watch.elsewhere, (watch.errors, watch.elsewhere)
