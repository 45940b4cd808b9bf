"""Hostile input for the layout checks and the shared facet filters: tricky imports are seen, bad filters refused.

The import checker (tests/test_layout.py) is only as good as what it sees:
imports written in every legal way must give the edges Python runs, and
type-only ones none. The facet filters both search backends read through one
function must refuse or drop whatever a hand-built query holds, alike.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from catalogue.index import QueryError, SearchQuery, filter_terms
from catalogue.index import es_requests as req
from catalogue.index.embedded import EmbeddedIndex
from tests.test_layout import cycles, import_graph


def package(tmp_path: Path, files: dict[str, str]) -> Path:
    """A package ``p`` under tmp_path holding these files (paths relative to it)."""
    root = tmp_path / "p"
    for relative, code in {"__init__.py": "", **files}.items():
        (root / relative).parent.mkdir(parents=True, exist_ok=True)
        (root / relative).write_text(code, encoding="utf-8")
    return root


@pytest.mark.parametrize(
    "back",
    [
        "class C:\n    def m(self):\n        def inner():\n            from p.a import x\n",  # deep in a method
        "from typing import TYPE_CHECKING\nif not TYPE_CHECKING:\n    import p.a\n",  # runs
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    pass\nelse:\n    from . import a\n",
        "try:\n    import p.a as alias\nexcept ImportError:\n    alias = None\n",
        "from . import (a as renamed)\n",
        "f = lambda: __import__('p.a')\nimport p.a\n",
    ],
)
def test_a_cycle_is_found_however_the_import_back_is_written(tmp_path: Path, back: str) -> None:
    root = package(tmp_path, {"a.py": "from p.b import y\n", "b.py": back})
    assert cycles(import_graph(root)) == [["p.a", "p.b", "p.a"]]


def test_imports_only_a_type_checker_reads_make_no_cycle(tmp_path: Path) -> None:
    back = "import typing\nif typing.TYPE_CHECKING:\n    from p.a import x\n"
    assert cycles(import_graph(package(tmp_path, {"a.py": "from p.b import y\n", "b.py": back}))) == []


def test_relative_imports_resolve_across_levels_and_never_escape_the_package(tmp_path: Path) -> None:
    root = package(
        tmp_path,
        {
            "sub/__init__.py": "",
            "sub/deep/__init__.py": "",
            "sub/deep/c.py": "from ... import a\nfrom .... import outside\n",  # the last climbs past p
            "a.py": "def later():\n    from .sub.deep import c\n",
        },
    )
    graph = import_graph(root)
    assert graph["p.sub.deep.c"] == {"p.a"}
    assert graph["p.a"] == {"p.sub", "p.sub.deep", "p.sub.deep.c"}  # packages set up on the way
    assert cycles(graph) == [["p.a", "p.sub.deep.c", "p.a"]]


def test_a_package_init_gathering_its_submodules_is_no_cycle_until_one_imports_it_back(
    tmp_path: Path,
) -> None:
    files = {"__init__.py": "from p.a import x\n", "a.py": "from p import b\nx = 1\n", "b.py": ""}
    assert cycles(import_graph(package(tmp_path, files))) == []
    files["b.py"] = (
        "from p import x\n"  # a name of the package's __init__: it runs p, which runs a, which runs b
    )
    assert cycles(import_graph(package(tmp_path, files))) == [["p", "p.a", "p.b", "p"]]


def test_a_module_that_does_not_parse_is_named(tmp_path: Path) -> None:
    root = package(tmp_path, {"broken.py": "def (:\n"})
    with pytest.raises(SyntaxError) as raised:
        import_graph(root)
    assert raised.value.filename == str(root / "broken.py") and raised.value.lineno == 1


HOSTILE_NAMES = ["colour", "", "__class__", "theme ", "x" * 10_000]


@pytest.mark.parametrize("name", HOSTILE_NAMES)
def test_an_unknown_facet_is_refused_alike_by_both_backends(tmp_path: Path, name: str) -> None:
    with pytest.raises(QueryError, match="unknown facet"):
        req.facet_filters({name: ["a"]})
    with EmbeddedIndex(tmp_path / "index") as index, pytest.raises(QueryError, match="unknown facet"):
        index.search(SearchQuery(filters={name: ["a"]}))


def test_filter_values_that_are_not_text_are_dropped_and_repeats_kept_once(tmp_path: Path) -> None:
    hostile: dict[str, object] = {
        "theme": [None, 5, "HEAL", ["nested"], "HEAL", {"k": "v"}],
        "source": "lone",
        "format": 5,
        "license": None,
        "keyword": ["same"] * 10_000,
        "language": [],
    }
    assert filter_terms(hostile) == {
        "theme": ("theme", ["HEAL"]),
        "source": ("source", ["lone"]),
        "keyword": ("keyword", ["same"]),
    }
    assert set(req.facet_filters(hostile)) == {"theme", "source", "keyword"}
    with EmbeddedIndex(tmp_path / "index") as index:
        assert index.search(SearchQuery(filters=hostile)).total == 0  # type: ignore[arg-type]
