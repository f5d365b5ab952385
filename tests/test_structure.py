"""The package's shape: no import cycle, no reaching into another module's private names, no
module over 800 lines.

Every module of ``proposal_nlp`` is parsed with ``ast`` (nothing is imported) and every import
counts, lazy ones inside functions included: ``import proposal_nlp.x``, ``from .x import y``,
``from . import x`` and ``importlib.import_module`` / ``__import__`` calls. A call whose target
cannot be read from the source (``import_module(f"proposal_nlp.{name}")``) is a failure of its
own: the graph cannot be checked while it hides edges.

The package root ``proposal_nlp/__init__.py`` re-exports names lazily (``__getattr__``), so it
is no node of the graph. A module that imports a name from the root other than ``__version__``
hides an edge to the module defining it, and is flagged; so is ``import proposal_nlp`` alone.
Importing ``a.b.c`` counts as an edge to ``a.b.c`` only, not to the packages above it.

Run ``python tests/test_structure.py`` to print the current cycles, private imports, hidden or
unresolved imports and long modules.
"""
from __future__ import annotations

import ast
import sys
from collections import deque
from itertools import pairwise
from pathlib import Path
from typing import NamedTuple


PACKAGE = "proposal_nlp"
PACKAGE_DIR = Path(__file__).resolve().parents[1] / PACKAGE
MAX_LINES = 800
ROOT_NAMES_ALLOWED = {"__version__"}


class Import(NamedTuple):
    """One import found in a module: ``target`` is the imported module (``None`` when it cannot
    be resolved), ``names`` the names taken from it (empty for ``import x``)."""

    source: str  # dotted module name
    file: str  # shown in messages, e.g. proposal_nlp/batch.py
    line: int
    target: str | None
    names: tuple[str, ...] = ()
    problem: str = ""  # why it hides or breaks an edge (root name, unresolved dynamic import)

    @property
    def where(self) -> str:
        return f"{self.file}:{self.line}"


def package_modules(package_dir: Path = PACKAGE_DIR, package: str = PACKAGE) -> dict[str, Path]:
    """Dotted module name -> file, for every ``.py`` file of the package (a package's
    ``__init__.py`` is named after the package)."""
    modules = {}
    for path in sorted(package_dir.rglob("*.py")):
        parts = list(path.relative_to(package_dir).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        modules[".".join([package, *parts])] = path
    return modules


def _is_private(name: str) -> bool:
    return name.startswith("_") and not (name.startswith("__") and name.endswith("__"))


def _package_of(module: str, path: Path) -> str:
    return module if path.name == "__init__.py" else module.rpartition(".")[0]


def _resolve_relative(name: str, level: int, package: str) -> str | None:
    base = package.split(".")
    if level - 1 >= len(base):
        return None
    base = base[:len(base) - (level - 1)]
    return ".".join(base + ([name] if name else []))


def _static_prefix(node: ast.JoinedStr) -> str:
    prefix = ""
    for part in node.values:
        if not (isinstance(part, ast.Constant) and isinstance(part.value, str)):
            break
        prefix += part.value
    return prefix


def _dynamic_target(call: ast.Call, package: str, root: str) -> tuple[str | None, str] | None:
    """``(target, problem)`` of an ``import_module`` / ``__import__`` call that may import a
    module of the package; ``None`` when it certainly imports something else."""
    func = call.func
    name = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else None
    if name not in ("import_module", "__import__") or not call.args:
        return None
    arg = call.args[0]
    shown = ast.unparse(call)
    if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
        target = arg.value
        if target.startswith("."):
            pkg = next((k.value for k in call.keywords if k.arg == "package"), None)
            if isinstance(pkg, ast.Constant) and isinstance(pkg.value, str):
                base = pkg.value
            elif isinstance(pkg, ast.Name) and pkg.id == "__package__":
                base = package
            else:
                return None, f"{shown}: relative target without a readable package="
            level = len(target) - len(target.lstrip("."))
            return _resolve_relative(target.lstrip("."), level, base), ""
        return (target, "") if target == root or target.startswith(root + ".") else None
    if isinstance(arg, ast.JoinedStr):
        prefix = _static_prefix(arg)
        if prefix and not (prefix.startswith((".", root + ".")) or (root + ".").startswith(prefix)):
            return None  # e.g. f"sklearn.{x}": not this package
    return None, (f"{shown}: the module it imports cannot be resolved statically; import the "
                  "module by name (e.g. `from . import classify`) so that the edge can be seen")


def _shown(path: Path, package_dir: Path) -> str:
    return path.relative_to(package_dir.parent).as_posix()


def module_imports(path: Path, module: str, modules: dict[str, Path], root: str = PACKAGE,
                   file: str | None = None) -> list[Import]:
    """Every package-internal import of one module, at any depth of its code."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    package = _package_of(module, path)
    file = file or str(path)
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name == root:
                    found.append(Import(module, file, node.lineno, root, (),
                                        f"import {root}: reaches names through the package root"))
                elif alias.name.startswith(root + "."):
                    found.append(Import(module, file, node.lineno, alias.name))
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = _resolve_relative(node.module or "", node.level, package)
            else:
                base = node.module
            if base is None:
                found.append(Import(module, file, node.lineno, None, (),
                                    f"from {'.' * node.level}{node.module or ''} import ...: beyond the package"))
                continue
            if not (base == root or base.startswith(root + ".")):
                continue
            for alias in node.names:
                sub = f"{base}.{alias.name}"
                if sub in modules:  # from pkg import submodule
                    found.append(Import(module, file, node.lineno, sub))
                elif base == root and alias.name not in ROOT_NAMES_ALLOWED:
                    found.append(Import(module, file, node.lineno, root, (alias.name,),
                                        f"from {root} import {alias.name}: a lazy re-export of the root hides "
                                        "the module that defines it; import it from there"))
                elif base == root:
                    found.append(Import(module, file, node.lineno, root, (alias.name,)))
                else:
                    found.append(Import(module, file, node.lineno, base, (alias.name,)))
        elif isinstance(node, ast.Call):
            dyn = _dynamic_target(node, package, root)
            if dyn is not None:
                target, problem = dyn
                found.append(Import(module, file, node.lineno, target, (), problem))
    return sorted(found, key=lambda i: i.line)


def package_imports(package_dir: Path = PACKAGE_DIR, package: str = PACKAGE) -> list[Import]:
    """The package-internal imports of every module but the package root."""
    modules = package_modules(package_dir, package)
    out = []
    for module, path in modules.items():
        if module != package:
            out.extend(module_imports(path, module, modules, package, _shown(path, package_dir)))
    return [i._replace(problem=f"imports {i.target}, which is no module of the package")
            if i.target is not None and i.target not in modules and not i.problem else i for i in out]


def hidden_imports(imports: list[Import]) -> list[str]:
    """Imports that hide or break an edge of the graph: unresolved dynamic imports, names
    taken from the package root, targets that are no module of the package."""
    return [f"{i.where}: {i.problem}" for i in imports if i.problem]


Graph = dict[str, dict[str, list[Import]]]  # module -> imported module -> the imports making that edge


def import_graph(imports: list[Import], modules: dict[str, Path], root: str = PACKAGE) -> Graph:
    """The internal import graph, the package root left out."""
    graph: Graph = {m: {} for m in modules if m != root}
    for i in imports:
        if i.target is None or i.target == root or i.target == i.source or i.target not in graph:
            continue
        graph[i.source].setdefault(i.target, []).append(i)
    return graph


def _components(graph: dict[str, dict]) -> list[list[str]]:
    """Strongly connected components (Tarjan, iterative)."""
    index, low, on_stack, stack, comps = {}, {}, set(), [], []
    counter = 0
    for start in sorted(graph):
        if start in index:
            continue
        work = [(start, iter(sorted(graph[start])))]
        index[start] = low[start] = counter
        counter += 1
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph[child]))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                comp = []
                while True:
                    m = stack.pop()
                    on_stack.discard(m)
                    comp.append(m)
                    if m == node:
                        break
                comps.append(sorted(comp))
    return comps


def _shortest_cycle(graph: dict[str, dict], start: str, members: set[str]) -> list[str]:
    prev = {start: None}
    queue = deque([start])
    while queue:
        node = queue.popleft()
        for child in sorted(graph[node]):
            if child not in members:
                continue
            if child == start:
                path = [node]
                while prev[path[-1]] is not None:
                    path.append(prev[path[-1]])
                return [*reversed(path), start]
            if child not in prev:
                prev[child] = node
                queue.append(child)
    return []


def find_cycles(graph: dict[str, dict]) -> list[list[str]]:
    """The import cycles: for every group of modules that import each other, the shortest
    cycle through each of its modules (each cycle once), as ``[a, b, ..., a]``."""
    cycles, seen = [], set()
    for comp in _components(graph):
        if len(comp) == 1 and comp[0] not in graph[comp[0]]:
            continue
        for node in comp:
            cycle = _shortest_cycle(graph, node, set(comp))
            key = frozenset(pairwise(cycle))
            if cycle and key not in seen:
                seen.add(key)
                cycles.append(cycle)
    return cycles


def describe_cycle(cycle: list[str], graph: Graph, root: str = PACKAGE) -> str:
    short = [m.removeprefix(root + ".") for m in cycle]
    edges = []
    for a, b in pairwise(cycle):
        sites = graph[a][b]
        more = f" (+{len(sites) - 1} more)" if len(sites) > 1 else ""
        edges.append(f"{sites[0].where} imports {b.removeprefix(root + '.')}{more}")
    return " -> ".join(short) + "  [" + "; ".join(edges) + "]"


def private_imports(imports: list[Import], root: str = PACKAGE) -> list[str]:
    """Imports of ``_``-prefixed names (or modules) of another module, as ``file:line: ...``."""
    out = []
    for i in imports:
        if i.target is None:
            continue
        parts = i.target.removeprefix(root).lstrip(".").split(".") if i.target != root else []
        bad = [p for p in parts if _is_private(p)] + [n for n in i.names if _is_private(n)]
        if bad:
            what = f"{i.target}" + (f" import {', '.join(i.names)}" if i.names else "")
            out.append(f"{i.where}: {what} (private: {', '.join(bad)})")
    return out


def long_modules(package_dir: Path = PACKAGE_DIR, package: str = PACKAGE, limit: int = MAX_LINES) -> list[str]:
    """Modules over ``limit`` lines, longest first, as ``file: N lines``."""
    sizes = [(len(p.read_text(encoding="utf-8").splitlines()), _shown(p, package_dir))
             for p in package_modules(package_dir, package).values()]
    return [f"{f}: {n} lines" for n, f in sorted(sizes, key=lambda s: (-s[0], s[1])) if n > limit]


def report(package_dir: Path = PACKAGE_DIR, package: str = PACKAGE) -> dict[str, list[str]]:
    """Everything the structure tests check, as lists of readable lines."""
    modules = package_modules(package_dir, package)
    imports = package_imports(package_dir, package)
    graph = import_graph(imports, modules, package)
    return {
        "cycles": [describe_cycle(c, graph, package) for c in find_cycles(graph)],
        "hidden or unresolved imports": hidden_imports(imports),
        "private imports": private_imports(imports, package),
        f"modules over {MAX_LINES} lines": long_modules(package_dir, package),
    }


# ---------------------------------------------------------------- the package
def test_no_import_cycle():
    found = report()
    problems = found["cycles"] + found["hidden or unresolved imports"]
    assert not problems, ("import cycles and hidden edges:\n  " + "\n  ".join(problems))


def test_no_import_of_another_modules_private_names():
    bad = report()["private imports"]
    assert not bad, "imports of private names:\n  " + "\n  ".join(bad)


def test_no_module_over_800_lines():
    bad = long_modules()
    assert not bad, f"modules over {MAX_LINES} lines:\n  " + "\n  ".join(bad)


# ---------------------------------------------------------------- the checks themselves
def _write(root: Path, files: dict[str, str]) -> Path:
    pkg = root / "pkg"
    for name, text in files.items():
        (pkg / name).parent.mkdir(parents=True, exist_ok=True)
        (pkg / name).write_text(text, encoding="utf-8")
    return pkg


def test_checks_find_lazy_cycles_private_names_and_hidden_edges(tmp_path):
    pkg = _write(tmp_path, {
        "__init__.py": "import importlib\n__version__ = '1'\n"
                       "def __getattr__(name):\n    return importlib.import_module('pkg.a')\n",
        "a.py": "from . import __version__\nfrom .b import helper\n",
        "b.py": "def helper():\n    from .c import _private\n    return _private\n",
        "c.py": "import importlib\n\ndef f():\n    import pkg.a\n    return importlib.import_module('pkg.d')\n",
        "d.py": "def g(name):\n    import importlib\n    return importlib.import_module(f'pkg.{name}')\n",
        "e.py": "from pkg import helper\nfrom . import d, _f\nx = __import__('sys')\n"
                "import importlib\ny = importlib.import_module(f'sklearn.{1}')\n",
        "_f.py": "\n" * 9,
        "sub/__init__.py": "from .. import a\n",
        "sub/s.py": "from . import t\nfrom ..c import f\n",
        "sub/t.py": "from .s import x\n",
        "g.py": "from .gone import y\n",
    })
    modules = package_modules(pkg, "pkg")
    assert set(modules) == {"pkg", "pkg.a", "pkg.b", "pkg.c", "pkg.d", "pkg.e", "pkg._f", "pkg.g", "pkg.sub",
                            "pkg.sub.s", "pkg.sub.t"}
    imports = package_imports(pkg, "pkg")
    graph = import_graph(imports, modules, "pkg")
    assert "pkg" not in graph
    assert set(graph["pkg.c"]) == {"pkg.a", "pkg.d"} and set(graph["pkg.e"]) == {"pkg.d", "pkg._f"}
    assert set(graph["pkg.sub"]) == {"pkg.a"} and set(graph["pkg.sub.s"]) == {"pkg.sub.t", "pkg.c"}
    cycles = find_cycles(graph)
    assert ["pkg.a", "pkg.b", "pkg.c", "pkg.a"] in cycles
    assert ["pkg.sub.s", "pkg.sub.t", "pkg.sub.s"] in cycles and len(cycles) == 2
    text = describe_cycle(["pkg.a", "pkg.b", "pkg.c", "pkg.a"], graph, "pkg")
    assert text.startswith("a -> b -> c -> a  [") and "a.py:2 imports b" in text and "c.py:4 imports a" in text
    hidden = hidden_imports(imports)
    assert len(hidden) == 3
    assert "pkg/g.py:1: imports pkg.gone, which is no module of the package" in hidden
    assert any("d.py:3" in h and "cannot be resolved statically" in h for h in hidden)
    assert any("e.py:1" in h and "from pkg import helper" in h for h in hidden)
    private = private_imports(imports, "pkg")
    assert len(private) == 2
    assert any("b.py:2" in p and "_private" in p for p in private)
    assert any("e.py:2" in p and "_f" in p for p in private)
    assert long_modules(pkg, "pkg", limit=8) == ["pkg/_f.py: 9 lines"]
    assert report(pkg, "pkg")["private imports"] == private


def test_long_modules_are_listed_longest_first(tmp_path):
    pkg = _write(tmp_path, {"__init__.py": "", "big.py": "x = 1\n" * 6, "bigger.py": "x = 1\n" * 9,
                            "small.py": "x = 1\n"})
    assert long_modules(pkg, "pkg", limit=5) == ["pkg/bigger.py: 9 lines", "pkg/big.py: 6 lines"]


def main() -> int:
    found = report()
    for title, lines in found.items():
        print(f"{title}: {len(lines)}")
        for line in lines:
            print(f"  {line}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
