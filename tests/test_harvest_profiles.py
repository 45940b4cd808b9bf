"""Harvests and pushes validate with the profile the source names — an operator's own profile too — and
reuse a stored verdict only while the shapes that reached it are the ones in force."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from catalogue.backends import open_backends
from catalogue.config import Settings, Source
from catalogue.harvest import harvest_source
from catalogue.store import open_store
from catalogue.validation.profiles import Profile

DOC = """
@prefix dcat: <http://www.w3.org/ns/dcat#> .
@prefix dct: <http://purl.org/dc/terms/> .
@prefix ex: <https://node.example/> .
ex:wgs a dcat:Dataset ; dct:title "Whole-genome sequencing"@en ; dct:description "Genomes."@en .
ex:cohort a dcat:Dataset ; dct:title "Cardiovascular cohort"@en ; dct:description "Heart study."@en ;
    dcat:keyword "heart"@en .
"""
#: our node's own rule: datasets have keywords
RULE = """
@prefix sh: <http://www.w3.org/ns/shacl#> .
@prefix dcat: <http://www.w3.org/ns/dcat#> .
<https://node.example/shapes#Keyword> a sh:NodeShape ; sh:targetClass dcat:Dataset ;
    sh:property [ sh:path dcat:keyword ; sh:minCount 1 ; sh:severity sh:SEVERITY ;
                  sh:message "Our node asks for keywords" ] .
"""


def catalogue(tmp_path: Path, severity: str = "Violation") -> Settings:
    rule = tmp_path / "keywords.ttl"
    rule.write_text(RULE.replace("SEVERITY", severity))
    (tmp_path / "be.ttl").write_text(DOC)
    source = Source(name="be", title="Belgian node", url=str(tmp_path / "be.ttl"), profile="our-rules")
    profile = Profile("our-rules", "Our rules", "", (str(rule),), extends="dcat-ap-3")
    return Settings("T", "http://catalogue.test", tmp_path / "data", (source,), profiles=(profile,))


def harvest(settings: Settings):
    backends = open_backends(settings)
    try:
        run = harvest_source(settings.sources[0], backends).run
        statuses = {m.title: m.status for m in backends.store.metas() if m.kind == "dataset"}
        return run, statuses
    finally:
        backends.close()


def test_a_source_is_validated_with_the_operators_own_profile(tmp_path: Path) -> None:
    run, statuses = harvest(catalogue(tmp_path))
    assert run.outcome == "ok", run.error
    assert statuses == {"Whole-genome sequencing": "rejected", "Cardiovascular cohort": "published"}


def test_changed_shapes_revalidate_records_whose_content_did_not_change(tmp_path: Path) -> None:
    harvest(catalogue(tmp_path))
    run, statuses = harvest(catalogue(tmp_path))  # nothing changed: nothing revalidated
    assert (run.unchanged, run.changed) == (2, 0)

    run, statuses = harvest(catalogue(tmp_path, severity="Warning"))  # the operator relaxes the rule
    assert (run.unchanged, run.changed) == (0, 2)
    assert statuses == {"Whole-genome sequencing": "published", "Cardiovascular cohort": "published"}


def test_a_registry_from_before_profile_versions_is_upgraded_and_revalidated(tmp_path: Path) -> None:
    settings = catalogue(tmp_path)
    harvest(settings)
    registry = settings.store_dir / "records.sqlite"
    with sqlite3.connect(registry) as db:  # as an older catalogue left it: no profile_version column
        for table in ("records", "staging"):
            db.execute(f"ALTER TABLE {table} DROP COLUMN profile_version")
    open_store(settings).close()
    with sqlite3.connect(registry) as db:
        versions = {row[0] for row in db.execute("SELECT profile_version FROM records")}
    assert versions == {""}  # verdicts of unknown shapes…
    run, _ = harvest(settings)
    assert (run.unchanged, run.changed) == (0, 2)  # …are reached again once
    run, _ = harvest(settings)
    assert run.unchanged == 2
