"""Every recipe of the README's "For researchers" section runs as written.

The test reads the section's ```sh and ```python blocks from README.md itself (so the README
and the test cannot drift), builds an archive in a temporary folder's data/tinlanhdao.db from
articles written by us (support.articles', plus one "đã nâng" decoy), and runs each block
there in order, as a new user would: sh blocks with bash (-e: the first failing line fails the
block), python blocks with this interpreter, the project's commands on PATH. A block that starts
a server (``tinlanhdao serve`` / ``datasette``) is left running for the blocks after it and
stopped at the end. One change is made to the text: the README's port 8001 becomes a free
port, so the test never collides with a server already running on this machine.
"""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from support.articles import build_archive, da_nang_article, other_article, seed_article

README = Path(__file__).resolve().parents[1] / "README.md"
SECTION = "## For researchers"
README_PORT = "8001"
BLOCK = re.compile(r"^```(sh|python)\n(.*?)^```", re.M | re.S)
SERVER = re.compile(r"^\s*(tinlanhdao serve|datasette)\b")


def recipes() -> list[tuple[str, str]]:
    """(language, code) of every sh and python block of the section, in order."""
    text = README.read_text(encoding="utf-8")
    assert SECTION in text, f"README.md has no {SECTION!r} section"
    section = text.split(SECTION, 1)[1].split("\n## ", 1)[0]
    return BLOCK.findall(section)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for(url: str, server: subprocess.Popen, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if server.poll() is not None:
            pytest.fail(f"the README's server block exited with {server.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=5):
                return
        except OSError:
            time.sleep(0.3)
    pytest.fail(f"the README's server did not answer {url} within {seconds} s")


@pytest.fixture
def workdir(tmp_path: Path) -> Path:
    decoy = other_article(9, published="2023-08-14", author="")
    decoy.title, decoy.body = "Đã nâng cấp tuyến đường tỉnh", "Thành phố đã nâng cấp đường."
    build_archive(
        tmp_path / "data" / "tinlanhdao.db",
        [seed_article(), da_nang_article(), other_article(1), other_article(2, "2023-11-20"),
         decoy],
    )  # fmt: skip
    return tmp_path


def test_the_section_has_recipes_for_every_tool() -> None:
    code = "\n".join(block for _, block in recipes())
    for tool in ("tinlanhdao list", "tinlanhdao export", "import pandas", "sqlite-utils ",
                 "tinlanhdao serve", "datasette", "read_json"):  # fmt: skip
        assert tool in code, tool


def test_every_recipe_runs_as_written(workdir: Path) -> None:
    port = str(free_port())
    env = {k: v for k, v in os.environ.items() if k != "TINLANHDAO_ARCHIVE"}
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    servers: list[subprocess.Popen] = []
    outputs: list[str] = []
    try:
        for language, code in recipes():
            code = code.replace(README_PORT, port)
            if language == "sh" and SERVER.match(code):
                servers.append(
                    subprocess.Popen(
                        ["bash", "-c", code], cwd=workdir, env=env, start_new_session=True,
                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                    )
                )  # fmt: skip
                wait_for(f"http://127.0.0.1:{port}/tinlanhdao.json", servers[-1])
                continue
            command = ["bash", "-e", "-o", "pipefail", "-c", code]
            if language == "python":
                command = [sys.executable, "-c", code]
            done = subprocess.run(
                command, cwd=workdir, env=env, capture_output=True, text=True, timeout=120
            )
            assert done.returncode == 0, f"{language} recipe failed:\n{code}\n{done.stderr}"
            assert "Traceback" not in done.stderr and done.stdout.strip(), code
            outputs.append(done.stdout)
    finally:
        for server in servers:
            os.killpg(server.pid, signal.SIGTERM)
            server.wait(timeout=30)
    everything = "\n".join(outputs)
    # What the recipes say they show, on this archive: the tone-mark rule and the exports.
    assert "2 with da nang in any spelling; 1 with Đà Nẵng" in everything
    assert da_nang_article().title in everything and seed_article().title in everything
    for name in ("articles-2023.csv", "ntm.jsonl", "minh-huyen.parquet"):
        assert (workdir / name).stat().st_size > 0, name
