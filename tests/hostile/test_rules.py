"""Hostile input against the error answers, the configuration and the command line.

Error answers repeat what the visitor sent (a name, a parameter): in HTML it is
escaped, in every shape the answer stays small, and an RDF client never gets a
page. A configuration full of mistakes is reported whole, without a traceback.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from catalogue.cli import app as cli
from catalogue.config import ConfigError, load_settings
from catalogue.web import create_app

SCRIPT = "<img src=x onerror=alert(1)>"  # no slash: it stays one path segment


@pytest.fixture
def client(open_catalogue):
    with TestClient(create_app(open_catalogue())) as client:
        yield client


def test_names_in_error_pages_are_escaped(client: TestClient) -> None:
    page = client.get(f"/sources/{SCRIPT}", headers={"Accept": "text/html"})
    assert page.status_code == 404 and page.headers["content-type"].startswith("text/html")
    assert SCRIPT not in page.text and "&lt;img src=x onerror=alert(1)&gt;" in page.text
    api = client.get(f"/api/sources/{SCRIPT}/harvests")
    assert api.status_code == 404 and api.json()["error"]["message"].count(SCRIPT) == 1


@pytest.mark.parametrize("path", ["/api/search", "/datasets", "/catalog"])
def test_a_huge_bad_parameter_gets_a_small_answer(client: TestClient, path: str) -> None:
    answer = client.get(path, params={"size": "9" * 4_000, "page_size": "9" * 4_000})
    assert 400 <= answer.status_code < 500
    assert len(answer.content) < 20_000, len(answer.content)


def test_an_rdf_client_never_gets_a_page_whatever_it_asks(client: TestClient) -> None:
    for accept in ("text/turtle", "application/ld+json;q=1, text/html;q=0.1", "image/png"):
        answer = client.get("/datasets/nope", headers={"Accept": accept})
        assert answer.status_code == 404
        assert answer.headers["content-type"].startswith("text/plain"), accept


def test_a_configuration_full_of_mistakes_is_reported_whole(tmp_path: Path) -> None:
    sources = "".join(f'[[sources]]\nname = "N{i}"\nurl = "x"\npolicy = "maybe"\n' for i in range(40))
    path = tmp_path / "catalogue.toml"
    path.write_text('[catalogue]\nbase_url = "ftp://x"\ncolour = 1\n' + sources, encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_settings(path)
    keys = [key for key, _ in caught.value.problems]
    assert {"catalogue.base_url", "catalogue.colour", "sources[0].name", "sources[39].policy"} <= set(keys)
    assert len(keys) == 2 + 2 * 40
    result = CliRunner().invoke(cli, ["--config", str(path), "harvest"], terminal_width=200)
    assert result.exit_code == 2 and "sources[39].policy" in result.output
    assert isinstance(result.exception, SystemExit)


def test_a_configuration_that_is_not_text_is_a_config_error(tmp_path: Path) -> None:
    path = tmp_path / "catalogue.toml"
    path.write_bytes(b"\xff\xfe[catalogue]\x00")
    with pytest.raises(ConfigError) as caught:
        load_settings(path)
    assert caught.value.key == "(syntax)"


def test_markup_in_a_configured_title_is_printed_as_it_is(tmp_path: Path) -> None:
    path = tmp_path / "catalogue.toml"
    path.write_text('[[sources]]\nname = "be"\nurl = "[/x].ttl"\n', encoding="utf-8")
    result = CliRunner().invoke(cli, ["--config", str(path), "harvest"], terminal_width=300)
    assert result.exit_code == 1 and isinstance(result.exception, SystemExit), result.output
    assert "[/x].ttl" in result.output
