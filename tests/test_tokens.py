"""Push-only sources and the tokens' life: created, listed, used, revoked — through the CLI and over HTTP."""

from __future__ import annotations

from pathlib import Path

import httpx
from typer.testing import CliRunner

from catalogue.backends import open_backends
from catalogue.cli import app
from catalogue.config import load_settings
from catalogue.web import create_app

NODE = """
@prefix dcat: <http://www.w3.org/ns/dcat#> .
@prefix dct: <http://purl.org/dc/terms/> .
<https://be.example/wgs> a dcat:Dataset ; dct:title "Whole genomes"@en ; dct:description "Genomes."@en .
"""
PUSHED = NODE.replace("be.example/wgs", "lu.example/cohort").replace("Whole genomes", "Pushed cohort")


def write_config(tmp_path: Path) -> Path:
    (tmp_path / "be.ttl").write_text(NODE)
    config = tmp_path / "catalogue.toml"
    config.write_text(
        '[catalogue]\ntitle = "T"\nbase_url = "http://catalogue.test"\ndata_dir = "./data"\n\n'
        '[[sources]]\nname = "be"\nurl = "be.ttl"\n\n'
        '[[sources]]\nname = "lu"\ntitle = "Luxembourg (pushes)"\nkind = "push"\n'
    )
    return config


def test_push_only_sources_are_never_harvested_nor_withdrawn(tmp_path: Path, live_server) -> None:
    config, runner = write_config(tmp_path), CliRunner()
    assert load_settings(config).source("lu").url == ""
    named = runner.invoke(app, ["--config", str(config), "harvest", "lu"], terminal_width=200)
    assert named.exit_code == 2 and "Push-only" in named.output
    created = runner.invoke(app, ["--config", str(config), "token", "create", "lu"])
    assert created.exit_code == 0, created.output
    token = created.output.strip().splitlines()[-1]

    backends = open_backends(load_settings(config))
    try:
        server = live_server(create_app(backends))
        pushed = httpx.put(
            f"{server.url}/api/sources/lu/records",
            content=PUSHED,
            headers={"Content-Type": "text/turtle", "Authorization": f"Bearer {token}"},
        )
        assert pushed.status_code == 200, pushed.text
    finally:
        server.close()
        backends.close()

    harvest = runner.invoke(app, ["--config", str(config), "harvest"], terminal_width=200)
    assert harvest.exit_code == 0, harvest.output
    assert " lu " not in harvest.output  # only be was harvested
    backends = open_backends(load_settings(config))
    try:
        statuses = {meta.uri: meta.status for meta in backends.store.metas()}
    finally:
        backends.close()
    assert statuses == {"https://be.example/wgs": "published", "https://lu.example/cohort": "published"}


def test_tokens_are_listed_without_secrets_and_revoked_by_id(tmp_path: Path, live_server) -> None:
    config, runner = write_config(tmp_path), CliRunner()
    token = runner.invoke(app, ["--config", str(config), "token", "create", "lu", "--label", "node CI"])
    token = token.output.strip().splitlines()[-1]
    runner.invoke(app, ["--config", str(config), "token", "create", "be"])
    listed = runner.invoke(app, ["--config", str(config), "token", "list", "lu"], terminal_width=200)
    assert listed.exit_code == 0 and "node CI" in listed.output and "never" in listed.output
    assert token not in listed.output and token[4:] not in listed.output
    assert " be " not in listed.output

    backends = open_backends(load_settings(config))
    try:
        server = live_server(create_app(backends))
        url, headers = f"{server.url}/api/sources/lu/records", {"Authorization": f"Bearer {token}"}
        assert (
            httpx.put(url, content=PUSHED, headers={**headers, "Content-Type": "text/turtle"}).status_code
            == 200
        )
        [used] = backends.store.tokens("lu")
        assert used.last_used is not None and used.label == "node CI"
        assert backends.store.revoke_token(used.id[:-1]) is None  # a prefix is not an id
        assert backends.store.revoke_token(used.id) == used
        refused = httpx.put(url, content=PUSHED, headers={**headers, "Content-Type": "text/turtle"})
        assert refused.status_code == 401
    finally:
        server.close()
        backends.close()
    unknown = runner.invoke(app, ["--config", str(config), "token", "revoke", used.id], terminal_width=200)
    assert unknown.exit_code == 2 and "No such token" in unknown.output
    [other] = [t for t in load_tokens(config) if t.source == "be"]
    revoked = runner.invoke(app, ["--config", str(config), "token", "revoke", other.id])
    assert revoked.exit_code == 0 and f"Revoked token {other.id} of be" in revoked.output
    assert load_tokens(config) == []


def load_tokens(config: Path) -> list:
    backends = open_backends(load_settings(config))
    try:
        return backends.store.tokens()
    finally:
        backends.close()
