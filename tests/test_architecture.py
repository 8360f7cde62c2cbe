"""The rooms of the house and which may import which (docs/architecture.md), checked on the source.

Every import counts, at module level or inside a function: an import tucked into a function body
is still a dependency, and hiding a cycle that way is how the seams rotted before.
"""

import ast
import re
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src"

# room -> rooms it must never import (a room is a package prefix)
FORBIDDEN = {
    "cellbooks.core": [
        "cellbooks.accounts",
        "cellbooks.inventory",
        "cellbooks.quickbooks",
        "cellbooks.api",
        "cellbooks.events",
    ],
    "cellbooks.accounts": [
        "cellbooks.inventory",
        "cellbooks.quickbooks",
        "cellbooks.api",
        "cellbooks.events",
    ],
    "cellbooks.inventory": ["cellbooks.quickbooks", "cellbooks.api", "cellbooks.events"],
    "cellbooks.api": ["cellbooks.quickbooks", "cellbooks.events"],
    # Webhooks hear QuickBooks through cellbooks.core.events, never by importing it (nor it them).
    "cellbooks.events": ["cellbooks.quickbooks"],
    "cellbooks.quickbooks": ["cellbooks.events"],
    "cellbooks": ["qbo_emulator"],
    "qbo_emulator": ["cellbooks"],
}


def _modules() -> dict[str, Path]:
    modules = {}
    for path in SRC.rglob("*.py"):
        if "migrations" in path.parts:
            continue
        parts = list(path.relative_to(SRC).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        modules[".".join(parts)] = path
    return modules


MODULES = _modules()


def _runtime_nodes(tree: ast.AST):
    """Every node but those under ``if TYPE_CHECKING:`` (imports for type hints only)."""
    for node in ast.iter_child_nodes(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            yield from (n for child in node.orelse for n in ast.walk(child))
            continue
        yield node
        yield from _runtime_nodes(node)


def _imports(name: str, path: Path) -> set[str]:
    """Every module ``name`` imports (resolved to modules of src/ where it names one)."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in _runtime_nodes(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)]
                origin = ".".join(base + ([node.module] if node.module else []))
            else:
                origin = node.module or ""
            # "from package import module" imports the module; "from module import name" the
            # module (a package's __init__ runs either way, but that is not a dependency on it).
            submodules = {f"{origin}.{alias.name}" for alias in node.names} & MODULES.keys()
            found.update(submodules)
            if len(submodules) < len(node.names):
                found.add(origin)
    return {
        module
        for module in found
        if module in MODULES or module.split(".")[0] in ("cellbooks", "qbo_emulator")
    }


GRAPH = {
    name: {m for m in _imports(name, path) if m in MODULES and m != name}
    for name, path in MODULES.items()
}
ALL_IMPORTS = {name: _imports(name, path) for name, path in MODULES.items()}


def _in(module: str, room: str) -> bool:
    return module == room or module.startswith(room + ".")


# The project's composition roots wire every room together.
ROOTS = {"cellbooks.settings", "cellbooks.settings_test", "cellbooks.urls", "cellbooks.wsgi"}


@pytest.mark.parametrize("room", FORBIDDEN)
def test_no_room_imports_what_it_must_not(room):
    offences = [
        f"{module} imports {imported}"
        for module, imported_modules in ALL_IMPORTS.items()
        if _in(module, room) and module not in ROOTS
        for imported in imported_modules
        if any(_in(imported, forbidden) for forbidden in FORBIDDEN[room])
    ]
    assert offences == []


def test_there_is_no_import_cycle_in_src():
    """Tarjan's strongly connected components over the module graph: every component is one
    module (a package importing its own submodules is not a cycle of rooms)."""
    index, low, on_stack, stack, cycles = {}, {}, set(), [], []
    counter = [0]

    def visit(node):
        index[node] = low[node] = counter[0]
        counter[0] += 1
        stack.append(node)
        on_stack.add(node)
        for successor in GRAPH[node]:
            if successor not in index:
                visit(successor)
                low[node] = min(low[node], low[successor])
            elif successor in on_stack:
                low[node] = min(low[node], index[successor])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                cycles.append(sorted(component))

    for module in sorted(GRAPH):
        if module not in index:
            visit(module)
    assert cycles == []


def test_no_inventory_template_loads_an_integrations_tags():
    templates = SRC / "cellbooks" / "templates"
    pages = [*templates.glob("inventory/*.html"), templates / "base.html"]
    loads = {page.name: re.findall(r"{%\s*load ([^%]+)%}", page.read_text()) for page in pages}
    offenders = {
        name: found for name, found in loads.items() if any("quickbooks" in f for f in found)
    }
    assert offenders == {}


def test_the_inventory_models_know_no_accounting_system():
    source = (SRC / "cellbooks" / "inventory" / "models.py").read_text().lower()
    assert "qbo" not in source and "quickbooks" not in source
