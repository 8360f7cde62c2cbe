"""The emulator's module layout (docs/emulator.md, "Layout" and "Import rules"), read from the
source with ``ast``, so it holds without importing anything:

- every import sits at the top of its module, except a function-level one whose line, or the
  comment line just above it, says ``# deferred import: <why>``;
- the graph of intra-package imports (top-level, ``if TYPE_CHECKING`` and function-level alike)
  has no cycle;
- state never imports the HTTP side: routes and UI import state, ``app``/``core`` compose.
"""

from __future__ import annotations

import ast
from pathlib import Path

import qbo_emulator

PACKAGE = "qbo_emulator"
ROOT = Path(qbo_emulator.__file__).resolve().parent
JUSTIFICATION = "# deferred import:"


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES: dict[str, Path] = {
    module_name(p): p
    for p in sorted(ROOT.rglob("*.py"))
    # A local ``pip install ./src/qbo_emulator`` leaves its build folder in the package.
    if "build" not in p.relative_to(ROOT).parts[:1]
}


def is_package(name: str) -> bool:
    return MODULES[name].name == "__init__.py"


def closest_module(name: str) -> str:
    """``qbo_emulator.store.Store`` -> ``qbo_emulator.store``: the module that defines a name."""
    while name not in MODULES:
        name = name.rpartition(".")[0]
    return name


def imported_modules(importer: str, node: ast.Import | ast.ImportFrom) -> set[str]:
    """The package's modules that ``node`` runs when ``importer`` executes it: the named ones
    and the packages above them (their ``__init__`` runs first), except the importer's own
    parents, which are already initialised by then."""
    if isinstance(node, ast.Import):
        named = [a.name for a in node.names if a.name.split(".")[0] == PACKAGE]
        targets = {closest_module(name) for name in named}
    else:
        if node.level:
            base = importer.split(".") if is_package(importer) else importer.split(".")[:-1]
            base = base[: len(base) - node.level + 1]
            if node.module:
                base += node.module.split(".")
            source = ".".join(base)
        else:
            source = node.module or ""
        if source.split(".")[0] != PACKAGE:
            return set()
        targets = {closest_module(f"{source}.{alias.name}") for alias in node.names}
    own_parents = {importer.rsplit(".", n)[0] for n in range(importer.count(".") + 1)}
    with_parents = set()
    for target in targets:
        parts = target.split(".")
        with_parents |= {".".join(parts[:n]) for n in range(1, len(parts) + 1)}
    return with_parents - own_parents - {importer}


def import_nodes(tree: ast.Module):
    """Every import statement with whether it runs inside a function body."""

    def walk(node: ast.AST, in_function: bool):
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.Import | ast.ImportFrom):
                yield child, in_function
            inside = in_function or isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef)
            yield from walk(child, inside)

    yield from walk(tree, False)


def justified(lines: list[str], lineno: int) -> bool:
    """The import's own line, or the comment block right above it, gives the reason."""
    if JUSTIFICATION in lines[lineno - 1]:
        return True
    above = lineno - 2
    while above >= 0 and lines[above].strip().startswith("#"):
        if lines[above].strip().startswith(JUSTIFICATION):
            return True
        above -= 1
    return False


def parse_all() -> tuple[dict[str, set[str]], list[str]]:
    graph: dict[str, set[str]] = {name: set() for name in MODULES}
    unjustified = []
    for name, path in MODULES.items():
        source = path.read_text(encoding="utf-8")
        lines = source.splitlines()
        for node, in_function in import_nodes(ast.parse(source, str(path))):
            graph[name] |= imported_modules(name, node)
            if in_function and not justified(lines, node.lineno):
                where = f"{path.relative_to(ROOT.parent)}:{node.lineno}"
                unjustified.append(f"{where}: {lines[node.lineno - 1].strip()}")
    return graph, unjustified


GRAPH, UNJUSTIFIED = parse_all()


def find_cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan), or a self-import."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    cycles = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in sorted(graph[node]):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1 or node in graph[node]:
                cycles.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return cycles


# --- the layers ------------------------------------------------------------------------------

FOUNDATION = {
    f"{PACKAGE}{suffix}" for suffix in ("", ".errors", ".jsonutil", ".demo", ".clock", ".settings")
}
COMPOSITION = {
    f"{PACKAGE}.core",
    f"{PACKAGE}.app",
    f"{PACKAGE}.server",
    f"{PACKAGE}.cli",
    f"{PACKAGE}.__main__",
}


def layer(module: str) -> str:
    if module in FOUNDATION:
        return "foundation"
    if module in COMPOSITION:
        return "composition"
    if module.startswith(f"{PACKAGE}.routes") or module == f"{PACKAGE}.middleware":
        return "routes"
    if module.startswith(f"{PACKAGE}.ui"):
        return "ui"
    return "state"


MAY_IMPORT = {
    "foundation": {"foundation"},
    "state": {"foundation", "state"},
    "ui": {"foundation", "state", "ui"},
    # The authorize endpoint renders the consent page, whose HTML lives with the rest in ui/.
    "routes": {"foundation", "state", "routes", "ui"},
    "composition": {"foundation", "state", "ui", "routes", "composition"},
}


# --- the tests -------------------------------------------------------------------------------


def test_the_parser_sees_the_whole_package():
    # Guards the tests below against passing on an empty or misread package.
    for expected in ("store", "core", "app", "routes.v3", "routes.oauth", "auth.state", "ui"):
        assert f"{PACKAGE}.{expected}" in MODULES
    assert f"{PACKAGE}.store" in GRAPH[f"{PACKAGE}.core"]
    assert f"{PACKAGE}.auth" in GRAPH[f"{PACKAGE}.core"]  # the package above auth.state
    assert f"{PACKAGE}.ui.common" in GRAPH[f"{PACKAGE}.ui.documents"]
    assert f"{PACKAGE}.ui" not in GRAPH[f"{PACKAGE}.ui.documents"]  # its own parent


def test_the_checks_catch_what_they_are_for():
    cyclic = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert find_cycles(cyclic) == [["a", "b", "c"]]
    assert find_cycles({"a": {"b"}, "b": set()}) == []
    source = "import os\ndef f():\n    import json\n    # deferred import: slow\n    import x\n"
    tree = ast.parse(source)
    assert [(n.lineno, inside) for n, inside in import_nodes(tree)] == [
        (1, False),
        (3, True),
        (5, True),
    ]
    lines = source.splitlines()
    assert (justified(lines, 3), justified(lines, 5)) == (False, True)


def test_no_imports_hide_in_functions():
    assert UNJUSTIFIED == [], (
        "import inside a function without a '# deferred import: <why>' comment:\n"
        + "\n".join(UNJUSTIFIED)
    )


def test_the_module_graph_has_no_cycles():
    cycles = find_cycles(GRAPH)
    assert cycles == [], "import cycles:\n" + "\n".join(" <-> ".join(c) for c in cycles)


def test_state_never_imports_routes_or_ui_and_only_composition_imports_core():
    wrong = sorted(
        f"{importer} ({layer(importer)}) imports {target} ({layer(target)})"
        for importer, targets in GRAPH.items()
        for target in targets
        if layer(target) not in MAY_IMPORT[layer(importer)]
    )
    assert wrong == [], "\n".join(wrong)
