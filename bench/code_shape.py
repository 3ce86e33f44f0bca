"""The backend's shape for issue 15's note: lines, files, the longest functions, imports inside functions.
Usage: python bench/code_shape.py [DIR]  (default: backend/)"""

import ast
import sys
from pathlib import Path


def _imports_backend(node) -> bool:
    if isinstance(node, ast.ImportFrom):
        return (node.module or "").startswith("backend")
    return isinstance(node, ast.Import) and any(a.name.startswith("backend") for a in node.names)


def main(root: Path) -> None:
    files = sorted(root.rglob("*.py"))
    lines = sum(len(p.read_text(encoding="utf-8").splitlines()) for p in files)
    funcs, nested = [], 0
    for path in files:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                funcs.append((node.end_lineno - node.lineno + 1, f"{path.relative_to(root.parent)}:{node.name}"))
                nested += sum(_imports_backend(n) for n in ast.walk(node))
    funcs.sort(reverse=True)
    sizes = sorted(n for n, _ in funcs)
    print(f"{len(files)} files, {lines} lines, {len(funcs)} functions, median {sizes[len(sizes) // 2]} lines")
    print(f"imports of backend modules inside functions: {nested}")
    for n, name in funcs[:10]:
        print(f"  {n:4d}  {name}")


if __name__ == "__main__":
    main(Path(sys.argv[1] if len(sys.argv) > 1 else "backend").resolve())
