"""Nodes pushing their own records: tokens, validation in the answer, withdrawals — over HTTP."""

from __future__ import annotations

import sqlite3

import httpx
import pytest
from typer.testing import CliRunner

from catalogue.cli import app as cli
from catalogue.config import Source
from catalogue.tokens import create_token
from catalogue.web import create_app

HEAD = """
@prefix dcat: <http://www.w3.org/ns/dcat#> .
@prefix dct: <http://purl.org/dc/terms/> .
@prefix ex: <https://node.example/> .
"""
GOOD = (
    HEAD
    + 'ex:pushed a dcat:Dataset ; dct:title "Pushed cohort"@en ; dct:description "Sent by the node."@en .\n'
)
BAD = HEAD + 'ex:bad a dcat:Dataset ; dct:title "Pushed without description"@en .\n'


@pytest.fixture
def node(tmp_path, open_catalogue, live_server):
    """A catalogue with two sources (be, nl), served for real; tokens for both."""
    be, nl = (Source(name=n, title=n.upper(), url=str(tmp_path / f"{n}.ttl")) for n in ("be", "nl"))
    backends = open_catalogue(be, nl)
    server = live_server(create_app(backends))
    tokens = {name: create_token(backends.store, name, "test") for name in ("be", "nl")}
    with httpx.Client(base_url=server.url, timeout=30) as client:
        yield backends, client, tokens


def put(client: httpx.Client, body: str, token: str | None, source: str = "be") -> httpx.Response:
    headers = {"Content-Type": "text/turtle"}
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"
    return client.put(f"/api/sources/{source}/records", content=body, headers=headers)


def test_a_push_is_validated_stored_indexed_and_reported(node) -> None:
    backends, client, tokens = node
    response = put(client, GOOD + BAD.replace(HEAD, ""), tokens["be"])
    assert response.status_code == 200, response.text
    body = response.json()
    records = {r["uri"]: r for r in body["records"]}
    assert records["https://node.example/pushed"]["status"] == "published"
    assert records["https://node.example/pushed"]["change"] == "added"
    bad = records["https://node.example/bad"]
    assert bad["status"] == "rejected" and bad["report"]["violations"] >= 1
    assert any("description" in (r["path"] or "") for r in bad["report"]["results"])
    assert body["run"]["kind"] == "push" and body["run"]["new"] == 2
    hits = client.get("/api/search", params={"q": "pushed cohort"}).json()
    assert [h["uri"] for h in hits["results"]] == ["https://node.example/pushed"]
    again = put(client, GOOD, tokens["be"]).json()
    assert [r["change"] for r in again["records"]] == ["unchanged"]
    # the other pushed record stays: a push replaces only what it contains
    assert {m.uri for m in backends.store.states("be").values()} == {
        "https://node.example/pushed",
        "https://node.example/bad",
    }


def test_missing_wrong_and_foreign_tokens_change_nothing(node) -> None:
    backends, client, tokens = node
    assert put(client, GOOD, None).status_code == 401
    assert put(client, GOOD, "cat_be_not-a-real-token").status_code == 401
    refused = put(client, GOOD, tokens["nl"])  # nl's token cannot push to be
    assert refused.status_code == 403 and "another node" in refused.json()["error"]["message"]
    assert (
        client.delete("/api/sources/be/records", params={"uri": "https://node.example/x"}).status_code == 401
    )
    assert backends.store.states("be") == {} and backends.store.runs("be") == []
    assert put(client, GOOD, tokens["be"], source="zz").status_code == 404


def test_a_broken_body_is_refused_with_its_line(node) -> None:
    backends, client, tokens = node
    response = put(client, HEAD + 'ex:x a dcat:Dataset ; dct:title "unterminated .\n', tokens["be"])
    assert response.status_code == 400 and "line" in response.json()["error"]["message"]
    assert backends.store.states("be") == {}


def test_delete_withdraws_one_dataset_and_history_shows_it(node) -> None:
    backends, client, tokens = node
    put(client, GOOD, tokens["be"])
    auth = {"Authorization": f"Bearer {tokens['be']}"}
    gone = client.delete(
        "/api/sources/be/records", params={"uri": "https://node.example/pushed"}, headers=auth
    )
    assert gone.status_code == 200 and gone.json()["run"]["withdrawn"] == 1
    assert client.get("/api/search", params={"q": "pushed"}).json()["total"] == 0
    again = client.delete(
        "/api/sources/be/records", params={"uri": "https://node.example/pushed"}, headers=auth
    )
    assert again.status_code == 404
    runs = client.get("/api/sources/be/harvests").json()
    assert [r["kind"] for r in runs] == ["push", "push"]
    assert runs[0]["changes"]["withdrawn"]["datasets"][0]["title"] == "Pushed cohort"
    assert runs[1]["changes"]["added"]["total"] == 1
    page = client.get("/sources/be")
    assert "Pushed cohort" in page.text and "push" in page.text


def test_token_create_shows_the_token_once_and_stores_only_its_hash(tmp_path) -> None:
    config = tmp_path / "catalogue.toml"
    config.write_text(
        f'[catalogue]\ndata_dir = "data"\n[[sources]]\nname = "be"\nurl = "{tmp_path}/be.ttl"\n'
    )
    result = CliRunner().invoke(cli, ["--config", str(config), "token", "create", "be"])
    assert result.exit_code == 0, result.output
    token = result.output.strip().splitlines()[-1]
    assert token.startswith("cat_be_") and len(token) > 40
    with sqlite3.connect(tmp_path / "data" / "store" / "records.sqlite") as db:
        rows = db.execute("SELECT digest, source FROM tokens").fetchall()
    assert len(rows) == 1 and rows[0][1] == "be" and token not in rows[0][0]
    unknown = CliRunner().invoke(cli, ["--config", str(config), "token", "create", "zz"])
    assert unknown.exit_code == 2
