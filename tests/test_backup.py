"""``catalogue backup`` and ``catalogue restore``: the registry copied online, the rest rebuilt from it."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from typer.testing import CliRunner

from catalogue.backends import open_backends
from catalogue.cli import app
from catalogue.config import load_settings
from catalogue.index import SearchQuery

NODE = """
@prefix dcat: <http://www.w3.org/ns/dcat#> .
@prefix dct: <http://purl.org/dc/terms/> .
<https://node.example/catalog> a dcat:Catalog ; dct:title "Node"@en ;
    dcat:dataset <https://node.example/wgs>, <https://node.example/cohort>, <https://node.example/bad> .
<https://node.example/wgs> a dcat:Dataset ; dct:title "Whole genomes"@en ; dct:description "Genomes."@en .
<https://node.example/cohort> a dcat:Dataset ; dct:title "Cohort"@en ; dct:description "A cohort."@en .
<https://node.example/bad> a dcat:Dataset ; dct:title "No description"@en .
"""


def write_config(folder: Path, node: Path) -> Path:
    folder.mkdir(exist_ok=True)
    config = folder / "catalogue.toml"
    config.write_text(
        f'[catalogue]\ntitle = "T"\nbase_url = "http://catalogue.test"\ndata_dir = "./data"\n\n'
        f'[[sources]]\nname = "be"\nurl = "{node}"\n'
    )
    return config


@pytest.fixture
def harvested(tmp_path: Path) -> Path:
    node = tmp_path / "node.ttl"
    node.write_text(NODE)
    config = write_config(tmp_path / "first", node)
    runner = CliRunner()
    assert (
        runner.invoke(app, ["--config", str(config), "harvest"]).exit_code == 0
    )  # one record rejected, the run complete
    assert runner.invoke(app, ["--config", str(config), "token", "create", "be"]).exit_code == 0
    return config


def test_backup_beside_a_running_catalogue_restores_into_an_empty_directory(
    harvested: Path, tmp_path: Path
) -> None:
    runner = CliRunner()
    running = open_backends(load_settings(harvested))  # holds the store open for writing, as `serve` does
    try:
        result = runner.invoke(app, ["--config", str(harvested), "backup", str(tmp_path / "cat.backup")])
        assert result.exit_code == 0, result.output
        assert "4 records" in result.output  # the catalogue record too
        before = running.index.search(SearchQuery(text="")).total
        runs_before = running.store.runs("be", limit=None)
    finally:
        running.close()

    node = tmp_path / "node.ttl"
    elsewhere = write_config(tmp_path / "second", node)
    result = runner.invoke(app, ["--config", str(elsewhere), "restore", str(tmp_path / "cat.backup")])
    assert result.exit_code == 0, result.output
    check = runner.invoke(app, ["--config", str(elsewhere), "check"])
    assert check.exit_code == 0, check.output

    restored = open_backends(load_settings(elsewhere))
    try:
        assert restored.index.search(SearchQuery(text="")).total == before == 2
        assert [run.id for run in restored.store.runs("be", limit=None)] == [run.id for run in runs_before]
        held = restored.store.triple_side()  # rebuilt from the registry, not copied
        assert sum(1 for record in held.values() if record.triples) == 2
    finally:
        restored.close()
    tokens = sqlite3.connect(tmp_path / "second" / "data" / "store" / "records.sqlite")
    assert tokens.execute("SELECT COUNT(*) FROM tokens").fetchone()[0] == 1
    tokens.close()


def test_restore_refuses_a_directory_that_holds_a_catalogue(harvested: Path, tmp_path: Path) -> None:
    runner = CliRunner()
    assert runner.invoke(app, ["--config", str(harvested), "backup", str(tmp_path / "b")]).exit_code == 0
    result = runner.invoke(
        app, ["--config", str(harvested), "restore", str(tmp_path / "b")], terminal_width=200
    )
    assert result.exit_code == 2 and "empty data directory" in result.output


def test_backup_refuses_to_overwrite_and_restore_refuses_other_files(harvested: Path, tmp_path: Path) -> None:
    runner = CliRunner()
    existing = tmp_path / "existing"
    existing.write_text("keep me")
    result = runner.invoke(app, ["--config", str(harvested), "backup", str(existing)], terminal_width=200)
    assert result.exit_code == 2 and "exists already" in result.output
    assert existing.read_text() == "keep me"

    elsewhere = write_config(tmp_path / "third", tmp_path / "node.ttl")
    result = runner.invoke(app, ["--config", str(elsewhere), "restore", str(existing)], terminal_width=200)
    assert result.exit_code == 2 and "not a catalogue backup" in result.output
    other = tmp_path / "other.sqlite"
    db = sqlite3.connect(other)
    db.execute("CREATE TABLE t (x)")
    db.close()
    result = runner.invoke(app, ["--config", str(elsewhere), "restore", str(other)], terminal_width=200)
    assert result.exit_code == 2 and "no record registry tables" in result.output
    assert not (tmp_path / "third" / "data" / "store" / "records.sqlite").exists()
