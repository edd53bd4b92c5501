"""The layout of docs/architecture.md, kept true: allowed imports between layers, no circles,
no hidden imports inside functions, and modules and functions of a readable size."""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "strokedelta"
ARCHITECTURE = PACKAGE.parent / "docs" / "architecture.md"

#: Bottom to top. A unit (a top-level module or sub-package of strokedelta) may import from its
#: own unit and from units of a lower layer, never from its own layer or above.
LAYERS: tuple[tuple[str, ...], ...] = (
    ("exceptions", "_version", "_lazy"),
    ("_validation",),
    ("limits",),
    ("_compressed",),
    ("_kernels", "_files", "_threads"),
    ("_torch_delta",),
    ("ragged",),
    ("delta",),
    ("frames",),
    ("_memory", "_initial"),
    ("transformer",),
    ("sketch",),
    ("io",),
    ("synthetic", "models"),
    ("render",),
    ("experiments", "datasets"),
    ("demo",),
    ("distributed",),
    ("cli",),
    ("__init__", "__main__"),
)
RANK = {unit: rank for rank, units in enumerate(LAYERS) for unit in units}
#: Modules over this many lines need to be numba kernels (long by nature).
MAX_MODULE_LINES = 420
MAX_FUNCTION_LINES = 80


def _modules() -> dict[str, Path]:
    found = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        found[name] = path
    return found


MODULES = _modules()


def _unit(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "__init__"


def _resolve(module: str, node: ast.ImportFrom | ast.Import) -> list[str]:
    """The strokedelta modules an import statement names (``from strokedelta import x`` may
    name the submodule ``strokedelta.x``)."""
    if isinstance(node, ast.Import):
        return [a.name for a in node.names if a.name.split(".")[0] == "strokedelta"]
    base = node.module or ""
    if node.level:
        package = module.split(".")
        if MODULES[module].name != "__init__.py":
            package = package[:-1]
        package = package[: len(package) - node.level + 1]
        base = ".".join([*package, base] if base else package)
    if base.split(".")[0] != "strokedelta":
        return []
    names = [f"{base}.{a.name}" for a in node.names]
    return [n for n in names if n in MODULES] or [base]


def _is_type_checking(node: ast.If) -> bool:
    return "TYPE_CHECKING" in ast.unparse(node.test)


def _imports(module: str) -> tuple[list[str], list[tuple[int, str]]]:
    """Module-level imports (outside ``if TYPE_CHECKING``) and imports inside functions."""
    tree = ast.parse(MODULES[module].read_text(encoding="utf-8"))
    top: list[str] = []
    inner: list[tuple[int, str]] = []

    def visit(node: ast.AST, in_function: bool) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.If) and _is_type_checking(child):
                continue
            if isinstance(child, (ast.Import, ast.ImportFrom)):
                for target in _resolve(module, child):
                    if in_function:
                        inner.append((child.lineno, target))
                    else:
                        top.append(target)
            nested = in_function or isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef))
            visit(child, nested)

    visit(tree, False)
    return top, inner


def test_every_unit_has_a_layer():
    assert {_unit(m) for m in MODULES} <= set(RANK), {_unit(m) for m in MODULES} - set(RANK)


def test_units_import_only_from_lower_layers():
    wrong = []
    for module in MODULES:
        top, inner = _imports(module)
        for target in top + [t for _, t in inner]:
            mine, theirs = _unit(module), _unit(target)
            if mine != theirs and RANK[theirs] >= RANK[mine]:
                wrong.append(f"{module} -> {target}")
    assert not wrong, "imports against the layers of docs/architecture.md:\n" + "\n".join(wrong)


def test_no_private_module_is_reached_from_another_unit():
    wrong = []
    for module in MODULES:
        top, inner = _imports(module)
        for target in top + [t for _, t in inner]:
            private = [p for p in target.split(".")[1:] if p.startswith("_")]
            if private and _unit(module) != _unit(target) and _unit(target) != private[0]:
                wrong.append(f"{module} -> {target}")
    assert not wrong, "\n".join(wrong)


def _cycle(graph: dict[str, set[str]]) -> list[str] | None:
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                return [*stack[stack.index(nxt) :], nxt]
            if nxt not in state and (found := visit(nxt)):
                return found
        stack.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state and (found := visit(node)):
            return found
    return None


def test_no_import_circle_between_modules():
    graph: dict[str, set[str]] = defaultdict(set)
    for module in MODULES:
        top, inner = _imports(module)
        for target in top + [t for _, t in inner]:
            # a package imports its submodules for its face; a submodule importing its
            # package's face would be a circle through __init__, which counts
            face_of_target = (
                target.startswith(module + ".") and MODULES[module].name == "__init__.py"
            )
            if target in MODULES and target != module and not face_of_target:
                graph[module].add(target)
    assert _cycle(graph) is None, " -> ".join(_cycle(graph) or [])


def test_imports_inside_functions_say_why():
    unexplained = []
    for module, path in MODULES.items():
        lines = path.read_text(encoding="utf-8").splitlines()
        for lineno, target in _imports(module)[1]:
            if "#" not in lines[lineno - 1]:
                unexplained.append(f"{path.relative_to(PACKAGE.parent)}:{lineno} imports {target}")
    assert not unexplained, "\n".join(unexplained)


def _numba_kernel(node: ast.AST) -> bool:
    decorators = getattr(node, "decorator_list", [])
    return any("jit" in ast.unparse(d) for d in decorators)


@pytest.mark.parametrize("module", sorted(MODULES))
def test_modules_and_functions_stay_readable(module):
    path = MODULES[module]
    tree = ast.parse(path.read_text(encoding="utf-8"))
    functions = [
        n for n in ast.walk(tree) if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))
    ]
    long = [
        f"{n.name} ({n.end_lineno - n.lineno + 1} lines)"
        for n in functions
        if n.end_lineno - n.lineno + 1 > MAX_FUNCTION_LINES and not _numba_kernel(n)
    ]
    assert not long, f"{module}: " + ", ".join(long)
    if any(_numba_kernel(n) for n in functions):
        return
    n_lines = len(path.read_text(encoding="utf-8").splitlines())
    assert n_lines <= MAX_MODULE_LINES, f"{module} has {n_lines} lines"


def test_the_architecture_page_names_every_layer():
    text = ARCHITECTURE.read_text(encoding="utf-8")
    for unit in RANK:
        if unit not in ("__init__", "__main__"):
            assert f"`{unit}`" in text, unit
