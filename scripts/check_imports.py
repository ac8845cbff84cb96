"""Check that the project's imports point one way: no cycles, the walls between layers hold, and
`import archive` loads no extraction code.

    .venv/bin/python scripts/check_imports.py     # exit 0 if all holds, else 1 with the reasons

tests/test_imports.py runs it. It reads the modules of archive/, crawler/ and sample_portal/
with ``ast`` (imports inside functions count too: deferring an import does not remove a cycle,
it hides it), looks for a cycle with the standard library's ``graphlib``, then imports
``archive`` in a fresh interpreter and lists what that loaded. The walls are README's "How the
code is laid out".
"""

from __future__ import annotations

import ast
import graphlib
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("archive", "crawler", "sample_portal")

# What each layer may import of ours, by module-name prefix; the longest prefix that matches the
# importing module decides.
WALLS: dict[str, tuple[str, ...]] = {
    "crawler.article": (),  # the Article record: standard library only
    "crawler.text": (),  # text normalization: standard library only
    "crawler.extraction": ("crawler.extraction", "crawler.article", "crawler.text"),
    "archive": ("archive", "crawler.article", "crawler.text"),
    "crawler": ("crawler", "archive"),
    "sample_portal": ("sample_portal",),
}
# Through a wall, only inside the functions of these modules: they run the crawl's extraction
# (`tinlanhdao extract` and `layout draft`; reprocess).
DEFERRED_THROUGH_WALLS = {
    "archive.cli": ("crawler.extraction", "crawler.pagecheck"),
    "archive.reprocess": ("crawler.extraction",),
}
# A cycle known and owned elsewhere (authoring.py imports the articles it renders inside its
# functions): this import is left out of the cycle check.
KNOWN_CYCLE = ("sample_portal.authoring", "sample_portal.authored_articles")
NOT_LOADED_BY_ARCHIVE = ("lxml", "nh3", "crawler.extraction", "scrapy", "datasette")


def within(module: str, prefixes: tuple[str, ...]) -> bool:
    return any(module == p or module.startswith(p + ".") for p in prefixes)


def module_files() -> dict[str, Path]:
    """Our modules by dotted name (a package by its own name)."""
    modules = {}
    for path in sorted(p for package in PACKAGES for p in (ROOT / package).rglob("*.py")):
        parts = path.relative_to(ROOT).with_suffix("").parts
        if "site" not in parts:  # the sample portal's pages, not code
            modules[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return modules


def imports_of(name: str, path: Path, modules: dict[str, Path]) -> list[tuple[str, bool, int]]:
    """The modules of ours that ``name`` (at ``path``) imports, outside `if TYPE_CHECKING`:
    (module, whether inside a function, line)."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = []

    def visit(node: ast.AST, deferred: bool) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.If) and "TYPE_CHECKING" in ast.unparse(child.test):
                continue
            if isinstance(child, ast.Import):
                targets = [alias.name for alias in child.names]
            elif isinstance(child, ast.ImportFrom):
                base = child.module or ""
                if child.level:  # relative: from the package, up level - 1
                    anchor = package.split(".")[: len(package.split(".")) - child.level + 1]
                    base = ".".join([*anchor, *([base] if base else [])])
                # `from package import module` imports the module; else the names are in base.
                targets = [f"{base}.{a.name}" if f"{base}.{a.name}" in modules else base
                           for a in child.names]  # fmt: skip
            else:
                visit(child, deferred or isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef)))
                continue
            for target in targets:
                while target and target not in modules:
                    target = target.rpartition(".")[0]  # `import a.b.c` of a non-module c
                if target and target != name:
                    found.append((target, deferred, child.lineno))

    visit(ast.parse(path.read_text("utf-8"), str(path)), False)
    return found


def cycle(edges: dict[str, set[str]]) -> list[str]:
    """One import cycle (its modules, the first repeated at the end), or [] if there is none."""
    try:
        graphlib.TopologicalSorter(edges).prepare()
    except graphlib.CycleError as error:
        return list(error.args[1])
    return []


def allowed(importer: str, imported: str, deferred: bool = False) -> bool:
    """Whether ``importer`` may import ``imported`` (inside a function if ``deferred``)."""
    wall = WALLS[max((p for p in WALLS if within(importer, (p,))), key=len)]
    if deferred:
        wall += DEFERRED_THROUGH_WALLS.get(importer, ())
    return imported == "crawler" or within(imported, wall)  # the bare package: an empty __init__


def import_archive_problems() -> list[str]:
    """What `import archive` loads of NOT_LOADED_BY_ARCHIVE, in a fresh interpreter."""
    code = "import sys, archive; print(' '.join(sorted(sys.modules)))"
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True)
    if result.returncode != 0:
        return [f"`import archive` fails: {result.stderr.strip().splitlines()[-1]}"]
    loaded = result.stdout.split()
    return [f"`import archive` loads {m}" for m in loaded if within(m, NOT_LOADED_BY_ARCHIVE)]


def problems() -> list[str]:
    """Every way the imports break the rules, as readable lines; empty when all holds."""
    modules = module_files()
    edges: dict[str, set[str]] = {}
    out = []
    for name, path in modules.items():
        for imported, deferred, line in imports_of(name, path, modules):
            if (name, imported) != KNOWN_CYCLE:
                edges.setdefault(name, set()).add(imported)
            if not allowed(name, imported, deferred):
                out.append(f"{path.relative_to(ROOT)}:{line}: {name} may not import {imported}")
    if found := cycle(edges):
        out.append(f"import cycle: {' -> '.join(found)}")
    return out + import_archive_problems()


def main() -> int:
    found = problems()
    print("\n".join(found) or "imports: no cycles, the walls hold, `import archive` loads no "
          "extraction code")  # fmt: skip
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
