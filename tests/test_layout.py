"""The package's layering: storage needs no validator, and the moved packages form no import cycle."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import catalogue

PACKAGE = Path(catalogue.__file__).resolve().parent
#: modules whose imports this test keeps free of cycles (others' packages are checked by their own tests)
LAYERED = (
    "catalogue.model",
    "catalogue.validation",
    "catalogue.views",
    "catalogue.config",
    "catalogue.resources",
    "catalogue.store",
    "catalogue.claims",
)
ENGINES = {"rdflib", "pyshacl", "pyrudof"}


def loaded_after(statement: str) -> set[str]:
    """The modules a fresh interpreter has loaded after running ``statement``."""
    code = f"{statement}; import sys; print('\\n'.join(sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    return set(out.split())


def test_the_store_imports_no_validator_and_no_rdflib():
    subprocess.run(
        [
            sys.executable,
            "-c",
            "import catalogue.store, sys; assert not {'rdflib','pyshacl','pyrudof'} & set(sys.modules)",
        ],
        check=True,
    )
    assert not {m for m in loaded_after("import catalogue.store.registry") if m.split(".")[0] in ENGINES}


def test_the_model_and_the_configuration_load_no_engine():
    model = loaded_after("import catalogue.model")
    assert {m for m in model if m.startswith("catalogue")} == {"catalogue", "catalogue.model"}
    assert not ENGINES & loaded_after("import catalogue.config, catalogue.validation.profiles")


def _imports(path: Path, modules: set[str]) -> set[str]:
    """Catalogue modules imported anywhere in the file (deferred imports too, type-only ones not)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            node.body = []
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return found & modules


def _modules() -> dict[str, Path]:
    found = {}
    for path in PACKAGE.rglob("*.py"):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        found[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return found


def test_no_import_cycle_through_the_moved_packages():
    files = _modules()
    graph = {name: _imports(path, set(files)) for name, path in files.items()}
    for start in (name for name in graph if name.startswith(LAYERED)):
        seen, todo = set(), list(graph[start])
        while todo:
            name = todo.pop()
            assert name != start, f"{start} imports itself through {sorted(seen)}"
            if name not in seen:
                seen.add(name)
                todo.extend(graph[name])


#: what the store may import of the catalogue: itself, the plain data types, the error base, constants
STORE_MAY_IMPORT = ("catalogue.store", "catalogue.model", "catalogue.errors", "catalogue.namespaces")
#: a module of the standard library's kind (no catalogue import): the crash test's hooks
STORE_MAY_ALSO_IMPORT = {"catalogue", "catalogue.crashpoints"}


def test_the_store_imports_nothing_of_the_catalogue_above_it():
    """So no cycle runs through it (claims, quality and validation import the store, never the reverse).

    Deferred imports count (``open_store`` imports its backends inside); type-only ones do not.
    """
    files = _modules()
    store = {name: path for name, path in files.items() if name.split(".")[:2] == ["catalogue", "store"]}
    assert "catalogue.store.protocols.triples" in store  # (the walk found the package)
    for name, path in store.items():
        outside = {
            imported
            for imported in _imports(path, set(files))
            if not imported.startswith(STORE_MAY_IMPORT) and imported not in STORE_MAY_ALSO_IMPORT
        }
        assert outside == set(), f"{name} imports {sorted(outside)}"


def test_every_store_backend_loads_only_the_store_and_plain_types():
    loaded = loaded_after("import catalogue.store.embedded, catalogue.store.sparql_server")
    ours = {m for m in loaded if m.split(".")[0] == "catalogue"}
    assert "catalogue.store.sparql_server" in ours
    assert {m for m in ours if not m.startswith(STORE_MAY_IMPORT)} <= STORE_MAY_ALSO_IMPORT
    assert not {m for m in loaded if m.split(".")[0] in ENGINES}


def test_store_modules_stay_small():
    """The package's __init__ re-exports; no store module grows past ~500 lines."""
    store = PACKAGE / "store"
    sizes = {path.name: len(path.read_text(encoding="utf-8").splitlines()) for path in store.rglob("*.py")}
    assert {name: lines for name, lines in sizes.items() if lines > 500} == {}
    assert sizes["__init__.py"] < 200
