"""The package's imports run one way: no module imports, directly or through others, itself.

The graph is read from the source (every `import` and `from ... import`, at module level or
inside a function, since a lazy import hides a cycle rather than removing it), so the test
needs nothing installed beyond the package's files.
"""

from __future__ import annotations

import ast
from pathlib import Path

import chainwatch

PACKAGE = Path(chainwatch.__file__).parent


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _modules() -> dict[str, Path]:
    return {_module_name(path): path for path in PACKAGE.rglob("*.py")}


def _imports(module: str, path: Path, known: set[str]) -> set[str]:
    """The chainwatch modules `module` imports. `from package import name` depends on the
    submodule `package.name` when one exists (the package's `__init__` only runs first), and on
    the package itself otherwise."""
    is_package = path.name == "__init__.py"
    found = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = module.split(".")[: len(module.split(".")) - node.level + (1 if is_package else 0)]
                base = ".".join(anchor + ([base] if base else []))
            for alias in node.names:
                submodule = f"{base}.{alias.name}"
                found.add(submodule if submodule in known else base)
    return {name for name in found if name in known and name != module}


def _graph() -> dict[str, set[str]]:
    modules = _modules()
    known = set(modules)
    return {name: _imports(name, path, known) for name, path in modules.items()}


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan's algorithm)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components = []

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
            if len(component) > 1:
                components.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return components


def test_the_graph_is_read_from_the_source():
    graph = _graph()
    # A known edge each way of writing an import, so an empty graph cannot pass the tests below.
    assert "chainwatch.model" in graph["chainwatch.risk.interest"]
    assert "chainwatch.adapters" in graph["chainwatch.chains"]
    assert "chainwatch.chain" in graph["chainwatch.adapters.base"]


def test_no_import_cycles():
    assert _cycles(_graph()) == []


def test_a_cycle_would_be_found():
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_only_the_cli_imports_the_cli():
    """The console script and `python -m chainwatch` start the CLI; nothing else may use it."""
    entry_points = {"chainwatch.entry", "chainwatch.__main__"}
    offenders = {
        name: sorted(target for target in targets if target.startswith("chainwatch.cli"))
        for name, targets in _graph().items()
        if not name.startswith("chainwatch.cli") and name not in entry_points
    }
    assert {name: targets for name, targets in offenders.items() if targets} == {}


def test_the_model_and_chain_are_leaves():
    graph = _graph()
    for leaf in ("chainwatch.model", "chainwatch.chain"):
        assert graph[leaf] == set(), leaf
