"""The ``catalogue`` command, run through typer's test runner against real files."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from catalogue.cli import app
from catalogue.cli.common import sigterm_as_ctrl_c

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


def test_validate_formats(runner: CliRunner, tmp_path: Path) -> None:
    import json

    import rdflib
    from rdflib.namespace import SH

    bad = tmp_path / "bad.ttl"
    bad.write_text(BAD)
    result = runner.invoke(app, ["validate", str(bad), "--format", "json"])
    assert result.exit_code == 1
    body = json.loads(result.stdout)
    assert body["conforms"] is False and body["results"][0]["uri"] == "https://node.example/ds"
    assert body["results"][0]["messages"][0]["property"] == "dct:description (description)"
    result = runner.invoke(app, ["validate", str(bad), "--format", "turtle"])
    assert result.exit_code == 1
    graph = rdflib.Graph().parse(data=result.stdout, format="turtle")
    assert (None, SH.conforms, rdflib.Literal(False)) in graph
    text = runner.invoke(app, ["validate", str(bad)], terminal_width=200).output
    assert "found:    missing" in text and "#Dataset.description" in text
    assert runner.invoke(app, ["validate", str(bad), "--format", "xml"]).exit_code == 2
    broken = tmp_path / "broken.ttl"
    broken.write_text('<https://node.example/a> <http://purl.org/dc/terms/title> "open\n')
    result = runner.invoke(app, ["validate", str(broken)], terminal_width=200)
    assert result.exit_code == 2 and "line" in result.output


SHAPES = """
@prefix sh: <http://www.w3.org/ns/shacl#> .
@prefix dcat: <http://www.w3.org/ns/dcat#> .
@prefix dct: <http://purl.org/dc/terms/> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
<https://shapes.example/Dataset> a sh:NodeShape ; sh:targetClass dcat:Dataset ;
    sh:property <https://shapes.example/identifier> .
<https://shapes.example/identifier> sh:path dct:identifier ; sh:minCount 1 ; sh:name "identifier" ;
    sh:message "Our node needs an identifier." ; rdfs:seeAlso <https://guide.example/#identifier> .
"""


def test_validate_with_own_shapes(runner: CliRunner, tmp_path: Path) -> None:
    good, shapes = tmp_path / "good.ttl", tmp_path / "node-shapes.ttl"
    good.write_text(GOOD)
    shapes.write_text(SHAPES)
    result = runner.invoke(app, ["validate", str(good), "--shapes", str(shapes)], terminal_width=200)
    assert result.exit_code == 1  # conforms to DCAT-AP, not to the node's own shapes
    assert "dct:identifier (identifier)" in result.output and "Our node needs an identifier." in result.output
    assert "https://guide.example/#identifier" in result.output and "dct:description" not in result.output
    # with --profile as well, the profile's shapes are added to the node's
    both = runner.invoke(
        app, ["validate", str(good), "--shapes", str(shapes), "--profile", "dcat-ap-3"], terminal_width=200
    )
    assert both.exit_code == 1 and "Recommended" in both.output and "identifier" in both.output
    # every unreadable shapes file is named and left out; the rest still run; the exit code says so
    broken = tmp_path / "broken-shapes.ttl"
    broken.write_text("this is not turtle")
    absent = tmp_path / "absent.ttl"
    result = runner.invoke(
        app,
        ["validate", str(good), "--shapes", str(shapes), "--shapes", str(broken), "--shapes", str(absent)],
        terminal_width=200,
    )
    assert result.exit_code == 2
    assert "broken-shapes.ttl" in result.output and "absent.ttl" in result.output
    assert "Our node needs an identifier." in result.output
    result = runner.invoke(app, ["validate", str(good), "--shapes", str(broken)], terminal_width=200)
    assert result.exit_code == 2 and "no SHACL shapes" in result.output
    empty = tmp_path / "empty.ttl"
    empty.write_text("@prefix ex: <https://example.org/> . ex:a ex:b ex:c .")
    result = runner.invoke(app, ["validate", str(good), "--shapes", str(empty)], terminal_width=200)
    assert result.exit_code == 2 and "no SHACL shapes" in result.output


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


def test_validate_with_a_profile_from_the_configuration(runner: CliRunner, tmp_path: Path) -> None:
    rule = tmp_path / "keywords.ttl"
    rule.write_text(
        "@prefix sh: <http://www.w3.org/ns/shacl#> . @prefix dcat: <http://www.w3.org/ns/dcat#> .\n"
        "[] a sh:NodeShape ; sh:targetClass dcat:Dataset ; "
        'sh:property [ sh:path dcat:keyword ; sh:minCount 1 ; sh:message "Our node asks for keywords" ] .\n'
    )
    config = write_config(tmp_path, "unused.ttl")
    config.write_text(
        config.read_text()
        + '\n[[profiles]]\nname = "ours"\ntitle = "Our rules"\nextends = "dcat-ap-3"\nshapes = ["keywords.ttl"]\n'
    )
    good = tmp_path / "good.ttl"
    good.write_text(GOOD)
    result = runner.invoke(app, ["--config", str(config), "validate", str(good), "--profile", "ours"])
    assert result.exit_code == 1 and "Our node asks for keywords" in result.output
    unknown = runner.invoke(app, ["validate", str(good), "--profile", "ours"])  # no configuration: unknown
    assert unknown.exit_code == 2


MARKUP = "[/x][bold]loud[/bold]"


@pytest.mark.parametrize(
    "arguments",
    [["harvest", MARKUP], ["token", "create", MARKUP]],
)
def test_user_given_names_are_never_read_as_markup(
    runner: CliRunner, tmp_path: Path, arguments: list[str]
) -> None:
    config = write_config(tmp_path, "be.ttl")
    result = runner.invoke(app, ["--config", str(config), *arguments], terminal_width=200)
    assert result.exit_code == 2, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert MARKUP in result.output


def test_harvested_titles_are_printed_as_they_are(runner: CliRunner, tmp_path: Path) -> None:
    (tmp_path / "be.ttl").write_text(BAD.replace('"Genomes"@en', f'"{MARKUP}"@en'))
    config = write_config(tmp_path, "be.ttl")
    result = runner.invoke(app, ["--config", str(config), "harvest"], terminal_width=200)
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    assert f"rejected be: {MARKUP} <https://node.example/ds>" in result.output


def test_demo_on_a_busy_port_stops_before_its_harvest(runner: CliRunner, tmp_path: Path) -> None:
    import socket
    import time

    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        started = time.monotonic()
        result = runner.invoke(
            app, ["demo", "--dir", str(tmp_path / "demo"), "--port", str(port)], terminal_width=200
        )
    assert result.exit_code == 2 and time.monotonic() - started < 10
    assert f"Cannot listen on 127.0.0.1:{port}" in result.output and f"--port {port + 1}" in result.output
    assert "rejected" not in result.output and not (tmp_path / "demo" / "catalogue.toml").exists()


def test_serve_on_a_busy_port_names_the_fix(runner: CliRunner, tmp_path: Path) -> None:
    import socket

    config = write_config(tmp_path, "unused.ttl")
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = runner.invoke(
            app, ["--config", str(config), "serve", "--port", str(port)], terminal_width=200
        )
    assert result.exit_code == 2 and "--port" in result.output and "Traceback" not in result.output


def test_demo_into_an_unwritable_folder_names_the_fix(runner: CliRunner, tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    result = runner.invoke(app, ["demo", "--dir", str(blocker / "demo"), "--no-serve"], terminal_width=200)
    assert result.exit_code == 2
    assert "Cannot write to" in result.output and "--dir" in result.output and "rejected" not in result.output


def test_sigterm_during_a_harvest_stops_it_as_ctrl_c_does() -> None:
    """The handler raises KeyboardInterrupt(SIGTERM) once, and the previous handler is back afterwards."""
    before = signal.getsignal(signal.SIGTERM)
    with pytest.raises(KeyboardInterrupt) as stopped, sigterm_as_ctrl_c():
        os.kill(os.getpid(), signal.SIGTERM)
        time.sleep(10)  # cut short by the handler
    assert stopped.value.args == (signal.SIGTERM,)
    assert signal.getsignal(signal.SIGTERM) is before
