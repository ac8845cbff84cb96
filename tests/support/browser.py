"""`tinlanhdao serve` started as a user starts it, for the browser tests: on a free loopback
port, waited for until it answers, stopped afterwards; and the screenshots they save."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def tinlanhdao_command() -> list[str]:
    """The installed ``tinlanhdao`` script beside this Python, else on the PATH, else the
    module."""
    script = Path(sys.executable).with_name("tinlanhdao")
    if script.exists():
        return [str(script)]
    found = shutil.which("tinlanhdao")
    return [found] if found else [sys.executable, "-m", "archive.cli"]


@contextmanager
def serving(db_path: Path, seconds: float = 30) -> Iterator[str]:
    """`tinlanhdao serve --db db_path` (with this process's environment); yields its base URL
    once it answers. Fails the test with the server's output if it does not start. The output
    goes to a file, not a pipe: a pipe nobody reads would stall a server that logs every
    request."""
    port = free_port()
    log = tempfile.TemporaryFile(mode="w+", encoding="utf-8")
    server = subprocess.Popen(
        [*tinlanhdao_command(), "serve", "--db", str(db_path), "--port", str(port)],
        stdout=log,
        stderr=subprocess.STDOUT,
        text=True,
        env=os.environ | {"PYTHONUNBUFFERED": "1"},
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + seconds
        while True:
            try:
                with urllib.request.urlopen(f"{base}/-/versions.json", timeout=2):
                    break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    server.kill()
                    server.wait()
                    log.seek(0)
                    pytest.fail(f"tinlanhdao serve did not start:\n{log.read()}")
                time.sleep(0.2)
        yield base
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        log.close()


def screenshot(page, name: str, tmp_path: Path) -> Path:
    """Save the page as ``name``.png in $TINLANHDAO_SCREENSHOTS if set, else in ``tmp_path``,
    for a person to look at."""
    folder = Path(os.environ.get("TINLANHDAO_SCREENSHOTS") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.png"
    page.screenshot(path=str(path))
    return path
