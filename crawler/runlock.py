"""One run at a time per archive: an OS-level lock next to the archive file.

The lock is ``flock`` on ``<archive>.lock``, held for the life of the process. The kernel
releases it when the process ends in any way, kill -9 included, so it never goes stale the
way a pid file does.
"""

from __future__ import annotations

import fcntl
import os
from pathlib import Path
from typing import IO


class RunLocked(Exception):
    """Another process holds the run lock of this archive."""


def lock_path(archive_path: str | Path) -> Path:
    """The lock file that belongs to ``archive_path``."""
    path = Path(archive_path)
    return path.with_name(path.name + ".lock")


def acquire_run_lock(archive_path: str | Path) -> IO[str]:
    """Take the archive's run lock without waiting; return the open lock file (keep it open).

    Raises RunLocked when another process holds it.
    """
    path = lock_path(archive_path)
    path.parent.mkdir(parents=True, exist_ok=True)
    handle = open(path, "a+", encoding="utf-8")  # noqa: SIM115 - held for the whole run
    try:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError as error:
        handle.close()
        raise RunLocked(str(path)) from error
    handle.seek(0)
    handle.truncate()
    handle.write(f"{os.getpid()}\n")  # for people looking at the file; the lock is the flock
    handle.flush()
    return handle
