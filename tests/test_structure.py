"""The backend's shape (issue 15): no import circle, no import hidden in a function to break one, the factory
lists the features in the order of the loop."""

import ast
from pathlib import Path

BACKEND = Path(__file__).resolve().parent.parent / "backend"
# The one lazy import: `backend.create_app` loads the factory (which imports every feature) only when called.
LAZY = {("backend", "backend.app")}


def _module(path: Path) -> str:
    parts = path.relative_to(BACKEND.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imported(node, modules) -> set[str]:
    """The backend modules an import statement names: `from backend.x import y` is backend.x.y where that is a
    module, else backend.x."""
    if isinstance(node, ast.Import):
        names = [a.name for a in node.names]
    else:
        base = node.module or ""
        names = [f"{base}.{a.name}" if f"{base}.{a.name}" in modules else base for a in node.names]
    return {n for n in names if n.startswith("backend") and n in modules}


def _loaded(name, modules) -> set[str]:
    """What importing a module runs: importing a.b.c runs a, a.b and a.b.c (a package's __init__ first)."""
    parts = name.split(".")
    return {p for p in (".".join(parts[:i]) for i in range(1, len(parts) + 1)) if p in modules}


def _graph():
    """Per module: the modules its top-level imports run (for circles), and the modules it imports in a function."""
    files = {_module(p): p for p in BACKEND.rglob("*.py")}
    top, nested = {}, {}
    for name, path in files.items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        top[name], nested[name] = set(), set()
        for node in ast.walk(tree):
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                imported = _imported(node, files)
                if node in tree.body or _in_module_if(tree, node):
                    top[name] |= {m for i in imported for m in _loaded(i, files)} - {name}
                else:
                    nested[name] |= imported - {name}
    return top, nested


def _in_module_if(tree, node) -> bool:
    return any(isinstance(s, (ast.If, ast.Try)) and node in ast.walk(s) for s in tree.body)


def _cycles(graph) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
    index, low, stack, on, out, counter = {}, {}, [], set(), [], [0]

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in graph.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return out


def test_no_import_circle_in_backend():
    top, _ = _graph()
    # A package's __init__ runs before its submodules; `from backend.x import y` from inside backend.x.z counts
    # the package, which is right: backend.x's __init__ must not import backend.x.z back.
    assert _cycles(top) == []


def test_no_import_inside_a_function():
    _, nested = _graph()
    hidden = {(m, t) for m, targets in nested.items() for t in targets} - LAZY
    assert sorted(hidden) == []


def test_the_factory_lists_the_features_in_the_order_of_the_loop():
    from backend.app import FEATURES

    names = [f.__name__ for f in FEATURES]
    loop = [
        "backend.addresses.api",
        "backend.doorplates.api",
        "backend.houses.api",
        "backend.verification.api",
        "backend.tenancy.api",
        "backend.obligations.api",
        "backend.fire.api",
        "backend.notify.api",
        "backend.cockpit.page",
    ]
    assert [n for n in names if n in loop] == loop
    assert all(callable(f.init_app) for f in FEATURES)
