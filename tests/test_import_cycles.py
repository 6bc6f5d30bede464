"""The package's modules import each other without a cycle, so each can be read alone."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import totalplace_cli

PACKAGE = Path(totalplace_cli.__file__).parent
MODULES = sorted(path.stem for path in PACKAGE.glob("*.py") if path.stem != "__main__")


def imported_modules(module: str) -> set[str]:
    """The package's modules that `module` imports anywhere (lazy imports included).

    Imports under `if TYPE_CHECKING:` are left out: they are for the type checker only.
    """
    tree = ast.parse((PACKAGE / f"{module}.py").read_text(encoding="utf-8"))
    type_only = {
        id(node)
        for block in ast.walk(tree)
        if isinstance(block, ast.If) and "TYPE_CHECKING" in ast.unparse(block.test)
        for statement in block.body
        for node in ast.walk(statement)
    }
    found: set[str] = set()
    for node in ast.walk(tree):
        if id(node) in type_only:
            continue
        if isinstance(node, ast.ImportFrom) and node.module:
            names = [node.module, *(f"{node.module}.{alias.name}" for alias in node.names)]
        elif isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        else:
            continue
        for name in names:
            parts = name.split(".")
            if parts[0] == "totalplace_cli" and len(parts) > 1 and parts[1] in MODULES:
                found.add(parts[1])
    found.discard(module)
    return found


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One import cycle of `graph`, as a list of modules ending where it began, or None."""
    state: dict[str, str] = {}

    def visit(module: str, trail: list[str]) -> list[str] | None:
        state[module] = "open"
        for other in sorted(graph[module]):
            if state.get(other) == "open":
                return [*trail[trail.index(other) :], other]
            if other not in state:
                cycle = visit(other, [*trail, other])
                if cycle:
                    return cycle
        state[module] = "done"
        return None

    for module in sorted(graph):
        if module not in state:
            cycle = visit(module, [module])
            if cycle:
                return cycle
    return None


def test_no_module_imports_itself_back() -> None:
    graph = {module: imported_modules(module) for module in MODULES}
    assert find_cycle(graph) is None, " -> ".join(find_cycle(graph) or [])


def test_checking_uses_loading_and_never_the_reverse() -> None:
    assert "loading" in imported_modules("checking")
    assert "checking" not in imported_modules("loading")


def test_the_cycle_finder_finds_cycles() -> None:
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set()}) is None


def test_each_module_imports_on_its_own_first() -> None:
    """Imported first, in a fresh interpreter, each module works: no hidden order dependence."""
    script = (
        "import importlib, sys\n"
        f"for name in {MODULES!r}:\n"
        "    for loaded in [m for m in sys.modules if m.startswith('totalplace_cli')]:\n"
        "        del sys.modules[loaded]\n"
        "    importlib.import_module('totalplace_cli.' + name)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == 0, result.stderr
