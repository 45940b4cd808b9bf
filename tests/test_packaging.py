"""Shapes, templates and shipped data travel inside the wheel, and are found there."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

from catalogue.resources import templates_dir
from catalogue.validation.profiles import profile_shapes

REPO = Path(__file__).resolve().parents[1]


def test_wheel_carries_shapes_templates_and_data(tmp_path: Path) -> None:
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "-w", str(tmp_path), str(REPO)],
        check=True,
        capture_output=True,
    )
    (wheel,) = tmp_path.glob("catalogue-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    assert "catalogue/shapes/dcat-ap-3.ttl" in names
    assert {"catalogue/templates/base.html", "catalogue/templates/dataset.html"} <= names
    assert "catalogue/vocabularies/data-theme.nt.gz" in names
    assert "catalogue/contexts/dcat-ap-3.0.1.jsonld" in names
    assert {f"catalogue/demo/content/{name}.json" for name in ("nodes", "texts", "vocabulary")} <= names
    assert "catalogue/demo/content/records/fi.ttl" in names


def test_resources_are_found_where_the_package_runs_from() -> None:
    assert profile_shapes("dcat-ap-3").is_file()
    assert (templates_dir() / "base.html").is_file()
