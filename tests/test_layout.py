"""The package's layering: storage needs no validator, no import cycle (deferred imports included), no module over 500 lines."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import catalogue

PACKAGE = Path(catalogue.__file__).resolve().parent
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


#: modules allowed over MAX_LINES, each with its reason (aim: none)
LONG_MODULES: dict[str, str] = {}
MAX_LINES = 500


def _module_files(package: Path = PACKAGE) -> dict[str, Path]:
    """Every module under the package by its dotted name (a package by its own name, not ``__init__``)."""
    files = {}
    for path in sorted(package.rglob("*.py")):
        parts = path.relative_to(package.parent).with_suffix("").parts
        files[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return files


def _without_type_checking(tree: ast.Module) -> ast.Module:
    """The tree with ``if TYPE_CHECKING:`` bodies emptied: they are read by type checkers, never run."""
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and ast.unparse(node.test) in ("TYPE_CHECKING", "typing.TYPE_CHECKING"):
            node.body = []  # its ``else:`` runs
    return tree


def _imported(name: str, node: ast.Import | ast.ImportFrom, modules: set[str]) -> set[str]:
    """The catalogue modules one import statement of module ``name`` runs, wherever it stands.

    ``from x import y`` runs ``x.y`` when y is a submodule, else ``x``; and
    importing a module runs its enclosing packages' ``__init__`` first,
    unless the importer is inside that package already (it is being set up).
    """
    if isinstance(node, ast.Import):
        targets = {alias.name for alias in node.names}
    else:
        base = node.module or ""
        if node.level:
            package = name if name + ".__init__" in modules else name.rpartition(".")[0]
            for _ in range(node.level - 1):
                package = package.rpartition(".")[0]
            base = ".".join(p for p in (package, base) if p)
        targets = {f"{base}.{a.name}" if f"{base}.{a.name}" in modules else base for a in node.names}
    found = set()
    for target in targets:
        while (
            target and target not in modules
        ):  # `import catalogue.x.y` binds through a name: climb to a module
            target = target.rpartition(".")[0]
        found.add(target)
        parts = target.split(".")
        for end in range(1, len(parts)):
            enclosing = ".".join(parts[:end])
            if enclosing in modules and not name.startswith(enclosing + "."):
                found.add(enclosing)
    return found - {"", name}


def import_graph(package: Path = PACKAGE) -> dict[str, set[str]]:
    """Which of the package's modules each of its modules imports, deferred imports included, type-only ones
    not (an ``if TYPE_CHECKING:`` body never runs)."""
    files = _module_files(package)
    modules = set(files) | {f"{name}.__init__" for name, path in files.items() if path.name == "__init__.py"}
    graph: dict[str, set[str]] = {}
    for name, path in files.items():
        tree = _without_type_checking(ast.parse(path.read_text(encoding="utf-8"), filename=str(path)))
        graph[name] = set()
        for node in ast.walk(tree):
            if isinstance(node, ast.Import | ast.ImportFrom):
                graph[name] |= _imported(name, node, modules)
        graph[name].discard(name)
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """One cycle through each group of mutually importing modules (Tarjan's strongly connected components)."""
    order: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    groups: list[set[str]] = []

    def visit(node: str) -> None:
        order[node] = low[node] = len(order)
        stack.append(node)
        for nxt in sorted(graph[node]):
            if nxt not in order:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in stack:
                low[node] = min(low[node], order[nxt])
        if low[node] == order[node]:
            group = {stack.pop()}
            while node not in group:
                group.add(stack.pop())
            if len(group) > 1:
                groups.append(group)

    for node in sorted(graph):
        if node not in order:
            visit(node)
    return [_a_cycle(graph, group) for group in groups]


def _a_cycle(graph: dict[str, set[str]], group: set[str]) -> list[str]:
    """The shortest way from the group's first module back to itself, within the group."""
    start = min(group)
    paths = {nxt: [start, nxt] for nxt in sorted(graph[start] & group)}
    todo = list(paths)
    while start not in paths:
        node = todo.pop(0)
        for nxt in sorted(graph[node] & group):
            if nxt not in paths:
                paths[nxt] = [*paths[node], nxt]
                todo.append(nxt)
    return paths[start]


def test_the_cycle_finder_finds_cycles_and_only_cycles():
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a", "d"}, "d": set(), "e": {"d"}}
    assert cycles(graph) == [["a", "b", "c", "a"]]
    assert cycles({"a": {"b"}, "b": set()}) == []


def test_an_import_runs_submodules_and_enclosing_packages_not_the_importers_own():
    modules = {"p", "p.__init__", "p.a", "p.b", "q"}

    def runs(name: str, statement: str) -> set[str]:
        node = ast.parse(statement).body[0]
        assert isinstance(node, ast.Import | ast.ImportFrom)
        return _imported(name, node, modules)

    assert runs("p.a", "from p import b") == {"p.b"}  # a submodule, its package being set up already
    assert runs("p.a", "from p import thing") == {"p"}  # a name from the package's __init__
    assert runs("p.a", "from . import b") == runs("p.a", "from .b import thing") == {"p.b"}
    assert runs("p", "from .a import thing") == {"p.a"}
    assert runs("q", "from p.b import thing") == runs("q", "import p.b") == {"p", "p.b"}  # __init__ first
    assert runs("q", "import json") == set()


def test_the_import_graph_holds_deferred_imports():
    graph = import_graph()
    assert "catalogue.consistency" in graph["catalogue.backends"]  # module level
    assert "catalogue.harvest" in graph["catalogue.cli.harvesting"]  # in a function


def test_no_import_cycle_in_the_catalogue():
    found = cycles(import_graph())
    assert not found, "import cycles:\n" + "\n".join(" → ".join(cycle) for cycle in found)


def test_no_module_is_over_500_lines():
    long = {
        name: lines
        for name, path in _module_files().items()
        if (lines := len(path.read_text(encoding="utf-8").splitlines())) > MAX_LINES
        and name not in LONG_MODULES
    }
    assert not long, f"modules over {MAX_LINES} lines: {long}"


#: what the store may import of the catalogue: itself, the plain data types, the error base, constants
STORE_MAY_IMPORT = ("catalogue.store", "catalogue.model", "catalogue.errors", "catalogue.namespaces")
#: a module of the standard library's kind (no catalogue import): the crash test's hooks
STORE_MAY_ALSO_IMPORT = {"catalogue", "catalogue.crashpoints"}


def test_the_store_imports_nothing_of_the_catalogue_above_it():
    """So no cycle runs through it (claims, quality and validation import the store, never the reverse).

    Deferred imports count (``open_store`` imports its backends inside); type-only ones do not.
    """
    graph = import_graph()
    store = {name: found for name, found in graph.items() if name.split(".")[:2] == ["catalogue", "store"]}
    assert "catalogue.store.protocols.triples" in store  # (the walk found the package)
    for name, found in store.items():
        outside = {
            imported
            for imported in found
            if not imported.startswith(STORE_MAY_IMPORT) and imported not in STORE_MAY_ALSO_IMPORT
        }
        assert outside == set(), f"{name} imports {sorted(outside)}"


def test_every_store_backend_loads_only_the_store_and_plain_types():
    loaded = loaded_after("import catalogue.store.embedded, catalogue.store.sparql_server")
    ours = {m for m in loaded if m.split(".")[0] == "catalogue"}
    assert "catalogue.store.sparql_server" in ours
    assert {m for m in ours if not m.startswith(STORE_MAY_IMPORT)} <= STORE_MAY_ALSO_IMPORT
    assert not {m for m in loaded if m.split(".")[0] in ENGINES}


def test_the_store_package_init_mostly_re_exports():
    """Types, errors and protocols live in their own modules; ``__init__`` names them and opens a store."""
    lines = len((PACKAGE / "store" / "__init__.py").read_text(encoding="utf-8").splitlines())
    assert lines < 200
