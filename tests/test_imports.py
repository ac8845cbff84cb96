"""Imports point one way: scripts/check_imports.py passes on the project, and finds a cycle
(deferred into a function or not) and an import through a wall; `import archive` loads no lxml."""

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
    found = {n: check_imports.imports_of(n, modules[n], modules) for n in modules}
    assert found == {"a": [("b", False, 1)], "b": [("a", True, 2)]}
    edges = {n: {imported for imported, _, _ in found[n]} for n in modules} | {"c": {"a"}}
    assert set(check_imports.cycle(edges)) == {"a", "b"}
    assert check_imports.cycle({"a": {"b"}, "c": {"a", "b"}}) == []


def test_the_walls() -> None:
    allowed = check_imports.allowed
    assert not allowed("archive.store", "crawler.extraction")
    assert not allowed("archive.wacz", "crawler.extraction", deferred=True)
    assert not allowed("archive.reprocess", "crawler.extraction")  # only inside its functions
    assert allowed("archive.reprocess", "crawler.extraction", deferred=True)
    assert allowed("archive.folding", "crawler.text")
    assert not allowed("crawler.extraction.layouts", "archive")
    assert not allowed("crawler.text", "crawler.article")
    assert allowed("crawler.pipelines", "archive")


def test_the_check_names_a_planted_wall_breach(monkeypatch) -> None:
    monkeypatch.setitem(check_imports.WALLS, "archive", ("archive",))  # crawler.text out
    assert any("archive.folding may not import crawler.text" in line
               for line in check_imports.problems())  # fmt: skip
