"""The ``catalogue`` command, run through typer's test runner against real files."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from catalogue.cli import app

GOOD = """
@prefix dcat: <http://www.w3.org/ns/dcat#> .
@prefix dct: <http://purl.org/dc/terms/> .
<https://node.example/ds> a dcat:Dataset ; dct:title "Genomes"@en ; dct:description "About genomes."@en .
"""
BAD = GOOD.replace(' ; dct:description "About genomes."@en', "")


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


def write_config(tmp_path: Path, url: str) -> Path:
    config = tmp_path / "catalogue.toml"
    config.write_text(
        f'[catalogue]\ntitle = "T"\ndata_dir = "./data"\n\n[[sources]]\nname = "be"\nurl = "{url}"\n'
    )
    return config


def test_validate_exit_codes(runner: CliRunner, tmp_path: Path) -> None:
    good, bad = tmp_path / "good.ttl", tmp_path / "bad.ttl"
    good.write_text(GOOD)
    bad.write_text(BAD)
    assert runner.invoke(app, ["validate", str(good)]).exit_code == 0
    result = runner.invoke(app, ["validate", str(bad)])
    assert result.exit_code == 1
    assert "Genomes" in result.output and "https://node.example/ds" in result.output
    assert "dct:description" in result.output and "Violation" in result.output
    assert runner.invoke(app, ["validate", str(tmp_path / "missing.ttl")]).exit_code == 2
    assert runner.invoke(app, ["validate", str(good), "--profile", "no-such-profile"]).exit_code == 2


def test_harvest_prints_a_summary_and_reindex_rebuilds(runner: CliRunner, tmp_path: Path) -> None:
    node = tmp_path / "be.ttl"
    node.write_text(GOOD)
    config = write_config(tmp_path, "be.ttl")
    result = runner.invoke(app, ["--config", str(config), "harvest"])
    assert result.exit_code == 0, result.output
    assert "Harvest summary" in result.output and "be" in result.output
    assert (tmp_path / "data" / "store").is_dir()
    result = runner.invoke(app, ["--config", str(config), "reindex"])
    assert result.exit_code == 0 and "Indexed 1 datasets" in result.output


def test_failed_harvest_exits_non_zero_and_names_the_source(runner: CliRunner, tmp_path: Path) -> None:
    config = write_config(tmp_path, "absent.ttl")
    result = runner.invoke(app, ["--config", str(config), "harvest"], terminal_width=200)
    assert result.exit_code == 1
    assert "absent.ttl" in result.output


def test_config_from_environment_and_bad_config(runner: CliRunner, tmp_path: Path, monkeypatch) -> None:
    (tmp_path / "be.ttl").write_text(GOOD)
    config = write_config(tmp_path, "be.ttl")
    monkeypatch.setenv("CATALOGUE_CONFIG", str(config))
    assert runner.invoke(app, ["harvest", "be"]).exit_code == 0
    assert runner.invoke(app, ["harvest", "zz"]).exit_code == 2
    config.write_text('[catalogue]\nbase_url = "nope"\n')
    result = runner.invoke(app, ["harvest"], terminal_width=200)
    assert result.exit_code == 2
    assert "catalogue.base_url" in result.output and str(config) in result.output.replace("\n", "")


def test_demo_without_serving(runner: CliRunner, tmp_path: Path) -> None:
    result = runner.invoke(app, ["demo", "--dir", str(tmp_path / "demo"), "--no-serve"], terminal_width=200)
    assert result.exit_code == 0, result.output
    assert (tmp_path / "demo" / "catalogue.toml").is_file()
    assert "rejected" in result.output
    for name in ("be", "nl", "fi", "se", "es", "pt", "lu"):
        assert f" {name} " in result.output
