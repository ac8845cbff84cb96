"""Check that the project's imports point one way: no cycles, the walls between layers hold, and
`import archive` loads no extraction code.

    .venv/bin/python scripts/check_imports.py     # exit 0 if all holds, else 1 with the reasons

tests/test_imports.py runs it. It reads the modules of archive/, crawler/ and sample_portal/
with ``ast`` (imports inside functions count too: deferring an import does not remove a cycle,
it hides it) and builds the graph of what imports what; then it imports ``archive`` in a fresh
interpreter and lists what that loaded. The walls are README's "How the code is laid out".
"""

from __future__ import annotations

import ast
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("archive", "crawler", "sample_portal")

# What each layer may import of ours, by module-name prefix; the longest prefix that matches the
# importing module decides. Everything may import its own layer's modules.
WALLS: dict[str, tuple[str, ...]] = {
    "crawler.article": (),  # the Article record: standard library only
    "crawler.text": (),  # text normalization: standard library only
    "crawler.version": (),
    "crawler.extraction": ("crawler.extraction", "crawler.article", "crawler.text"),
    "archive": ("archive", "crawler.article", "crawler.text"),
    "crawler": ("crawler", "archive"),
    "sample_portal": ("sample_portal",),
}
# Imports through a wall, allowed only inside a function, and why.
DEFERRED_THROUGH_WALLS: dict[tuple[str, str], str] = {
    ("archive.cli", "crawler.extraction"): "`tinlanhdao extract` runs the crawl's extraction",
    ("archive.cli", "crawler.extraction.errors"): "the NotAnArticle it raises",
    ("archive.cli", "crawler.pagecheck"): "`tinlanhdao extract URL` fetches and compares",
    ("archive.cli", "crawler.extraction.draft"): "`tinlanhdao layout draft`",
    ("crawler.version", "crawler.extraction"): "the layouts' declared versions, when asked",
    ("archive.reprocess", "crawler.extraction"): "reprocess's default extractor, the crawl's",
    ("archive.reprocess", "crawler.extraction.errors"): "the NotAnArticle it raises",
    ("archive.reprocess", "crawler.version"): "the default extractor's version",
}
# Cycles known and owned elsewhere; each fails the check once it is gone, until removed here.
KNOWN_CYCLES: dict[frozenset[str], str] = {
    frozenset({"sample_portal.authoring", "sample_portal.authored_articles"}): (
        "authoring.py imports the articles it renders inside functions"
    ),
}
# What `import archive` must not load.
NOT_LOADED_BY_ARCHIVE = ("lxml", "nh3", "crawler.extraction", "scrapy", "datasette")


@dataclass(frozen=True)
class Import:
    """One import of one of our modules: who imports what, and whether inside a function."""

    importer: str
    imported: str
    deferred: bool
    line: int


def module_files() -> dict[str, Path]:
    """Our modules by dotted name (a package by its own name)."""
    modules = {}
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            parts = path.relative_to(ROOT).with_suffix("").parts
            if "site" in parts:  # the sample portal's pages, not code
                continue
            name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
            modules[name] = path
    return modules


def imports_of(name: str, path: Path, modules: dict[str, Path]) -> list[Import]:
    """The imports of our modules in ``path`` (the module ``name``), outside `if TYPE_CHECKING`."""
    tree = ast.parse(path.read_text("utf-8"), str(path))
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: list[Import] = []

    def visit(node: ast.AST, deferred: bool) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.If) and "TYPE_CHECKING" in ast.unparse(child.test):
                continue
            inner = deferred or isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef))
            if isinstance(child, ast.Import):
                targets = [alias.name for alias in child.names]
            elif isinstance(child, ast.ImportFrom):
                base = child.module or ""
                if child.level:
                    anchor = package.split(".")[: len(package.split(".")) - child.level + 1]
                    base = ".".join([*anchor, *([base] if base else [])])
                # `from package import module` imports the module; else the names are in base.
                targets = [
                    f"{base}.{alias.name}" if f"{base}.{alias.name}" in modules else base
                    for alias in child.names
                ]
            else:
                visit(child, inner)
                continue
            for target in targets:
                while target and target not in modules:
                    target = target.rpartition(".")[0]  # `import a.b.c` of a non-module c
                if target and target != name:
                    found.append(Import(name, target, deferred, child.lineno))

    visit(tree, False)
    return found


def cycles(edges: dict[str, set[str]]) -> list[frozenset[str]]:
    """The strongly connected components of more than one module (Tarjan's algorithm)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[frozenset[str]] = []

    def connect(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for successor in sorted(edges.get(node, ())):
            if successor not in index:
                connect(successor)
                low[node] = min(low[node], low[successor])
            elif successor in on_stack:
                low[node] = min(low[node], index[successor])
        if low[node] == index[node]:
            component = set()
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.add(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(frozenset(component))

    for node in sorted(edges):
        if node not in index:
            connect(node)
    return found


def wall_of(module: str) -> tuple[str, ...]:
    """What ``module`` may import of ours (see WALLS)."""
    layer = max((p for p in WALLS if module == p or module.startswith(p + ".")), key=len)
    return WALLS[layer]


def allowed(imported: str, wall: tuple[str, ...]) -> bool:
    return any(imported == p or imported.startswith(p + ".") for p in wall) or imported in (
        "crawler",  # the bare package (an empty __init__), the parent of crawler.article
    )


def loaded_by_import_archive() -> list[str]:
    """The modules of NOT_LOADED_BY_ARCHIVE that `import archive` loads, in a fresh interpreter."""
    code = "import sys, archive; print(' '.join(sorted(sys.modules)))"
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                            text=True)
    if result.returncode != 0:
        return [f"`import archive` fails: {result.stderr.strip().splitlines()[-1]}"]
    return [
        module
        for module in result.stdout.split()
        if any(module == bad or module.startswith(bad + ".") for bad in NOT_LOADED_BY_ARCHIVE)
    ]


def problems() -> list[str]:
    """Every way the imports break the rules, as readable lines; empty when all holds."""
    modules = module_files()
    found = [imp for name, path in modules.items() for imp in imports_of(name, path, modules)]
    edges: dict[str, set[str]] = {}
    for imp in found:
        edges.setdefault(imp.importer, set()).add(imp.imported)
    out = []
    present = set(cycles(edges))
    for cycle in sorted(present - set(KNOWN_CYCLES), key=sorted):
        out.append(f"import cycle: {' <-> '.join(sorted(cycle))}")
    for cycle in sorted(set(KNOWN_CYCLES) - present, key=sorted):
        out.append(f"the cycle {' <-> '.join(sorted(cycle))} is gone: remove it from KNOWN_CYCLES")
    for imp in found:
        if allowed(imp.imported, wall_of(imp.importer)):
            continue
        if imp.deferred and (imp.importer, imp.imported) in DEFERRED_THROUGH_WALLS:
            continue
        where = f"{modules[imp.importer].relative_to(ROOT)}:{imp.line}"
        out.append(f"{where}: {imp.importer} may not import {imp.imported}")
    for module in loaded_by_import_archive():
        out.append(f"`import archive` loads {module}")
    return out


def main() -> int:
    found = problems()
    for line in found:
        print(line)
    if not found:
        print("imports: no cycles, the walls hold, `import archive` loads no extraction code")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
