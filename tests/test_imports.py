"""Imports point one way: scripts/check_imports.py passes on the project, and fails on a cycle
(deferred into a function or not), on an import through a wall, and on `import archive` loading
what it must not."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

from support.crawls import ROOT

SCRIPT = ROOT / "scripts" / "check_imports.py"
spec = importlib.util.spec_from_file_location("check_imports", SCRIPT)
check_imports = sys.modules["check_imports"] = importlib.util.module_from_spec(spec)
spec.loader.exec_module(check_imports)


def test_the_project_passes_the_import_check() -> None:
    result = subprocess.run([sys.executable, str(SCRIPT)], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_import_archive_leaves_lxml_out() -> None:
    code = "import sys, archive, archive.cli; print('lxml' in sys.modules, 'nh3' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert result.stdout.split() == ["False", "False"], result.stderr


def test_a_cycle_through_a_deferred_import_is_found(tmp_path: Path) -> None:
    (tmp_path / "a.py").write_text("import b\n", "utf-8")
    (tmp_path / "b.py").write_text("def f():\n    from a import x\n", "utf-8")
    modules = {"a": tmp_path / "a.py", "b": tmp_path / "b.py"}
    found = [i for n in modules for i in check_imports.imports_of(n, modules[n], modules)]
    assert [(i.importer, i.imported, i.deferred) for i in found] == [
        ("a", "b", False), ("b", "a", True)]  # fmt: skip
    edges = {"a": {"b"}, "b": {"a"}, "c": {"a"}}
    assert check_imports.cycles(edges) == [frozenset({"a", "b"})]


def test_the_walls() -> None:
    wall = check_imports.wall_of
    assert not check_imports.allowed("crawler.extraction", wall("archive.store"))
    assert not check_imports.allowed("crawler.version", wall("archive.wacz"))
    assert check_imports.allowed("crawler.text", wall("archive.folding"))
    assert not check_imports.allowed("archive", wall("crawler.extraction.layouts"))
    assert not check_imports.allowed("crawler.text", wall("crawler.article"))
    assert check_imports.allowed("archive", wall("crawler.pipelines"))
