"""deploy/: the cron line mails only real failures, sets the contact; the logrotate file and the
systemd unit agree with it.

The cron line is run as cron runs it (``/bin/sh -c`` with the file's variables as its
environment), its paths moved under a temporary folder, with a fake ``scrapy`` (written here)
that prints a long log ending in a summary block and exits with the status it is told to.
Cron mails whatever the job prints, so "mails" means "prints something".
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

DEPLOY = Path(__file__).resolve().parent.parent / "deploy"
CRON_FILE = DEPLOY / "tinlanhdao.cron"
MOVED = ("/opt/tinlanhdao", "/var/log/tinlanhdao", "/var/lib/tinlanhdao")
FAKE_SCRAPY = """#!/bin/sh
# A stand-in for `scrapy crawl tinlanhdao`: a long log, then the summary, then the exit status.
i=0
while [ $i -lt 80 ]; do echo "[scrapy] start-up line $i"; i=$((i + 1)); done
echo "args: $*"
echo "archive: $TINLANHDAO_ARCHIVE"
echo "contact: $TINLANHDAO_CONTACT"
echo "== tinlanhdao run summary: exit $FAKE_STATUS =="
exit "$FAKE_STATUS"
"""


def _cron_entries() -> tuple[dict[str, str], list[str]]:
    """The file's variables and its job lines (comments and blanks dropped)."""
    variables, jobs = {}, []
    for line in CRON_FILE.read_text("utf-8").splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        name, sep, value = line.partition("=")
        if sep and name.isidentifier():
            variables[name] = value
        else:
            jobs.append(line)
    return variables, jobs


def _moved(text: str, root: Path) -> str:
    for path in MOVED:
        text = text.replace(path, str(root) + path)
    return text


def _run_cron_line(root: Path, status: int) -> tuple[subprocess.CompletedProcess, str]:
    variables, jobs = _cron_entries()
    fields = jobs[0].split(None, 6)
    command = _moved(fields[6], root)
    for path in MOVED:
        (root / path.lstrip("/")).mkdir(parents=True, exist_ok=True)
    fake = root / "opt/tinlanhdao/.venv/bin/scrapy"
    fake.parent.mkdir(parents=True, exist_ok=True)
    fake.write_text(FAKE_SCRAPY, encoding="utf-8")
    fake.chmod(0o755)
    env = {"PATH": "/usr/bin:/bin", "HOME": str(root), "SHELL": "/bin/sh", "FAKE_STATUS":
           str(status), **{k: _moved(v, root) for k, v in variables.items()}}  # fmt: skip
    done = subprocess.run(["/bin/sh", "-c", command], env=env, capture_output=True, text=True,
                          timeout=30)  # fmt: skip
    log = (root / "var/log/tinlanhdao/crawl.log").read_text("utf-8")
    return done, log


def test_cron_file_is_one_daily_job_with_the_contact_set() -> None:
    variables, jobs = _cron_entries()
    assert len(jobs) == 1
    minute, hour, day, month, weekday, user, command = jobs[0].split(None, 6)
    assert (minute, hour, day, month, weekday, user) == ("30", "23", "*", "*", "*", "tinlanhdao")
    assert variables == {"CRON_TZ": "UTC"}
    assert " TINLANHDAO_CONTACT=https://" in command
    assert " TINLANHDAO_ARCHIVE=/var/lib/tinlanhdao/" in command
    assert "%" not in command  # cron would turn it into a newline


@pytest.mark.parametrize("status", [0, 75])
def test_success_and_a_held_lock_are_silent(tmp_path: Path, status: int) -> None:
    done, log = _run_cron_line(tmp_path, status)
    assert done.stdout == "" and done.stderr == ""  # nothing for cron to mail
    assert f"exit {status} ==" in log
    assert "contact: https://" in log  # the crawl saw the operator's contact
    assert f"archive: {tmp_path}/var/lib/tinlanhdao/tinlanhdao.db" in log


@pytest.mark.parametrize("status", [1, 3, 4, 6, 7])
def test_a_real_failure_is_mailed_with_the_summary(tmp_path: Path, status: int) -> None:
    done, log = _run_cron_line(tmp_path, status)
    mail = done.stdout.splitlines()
    assert mail[0].startswith(f"tinlanhdao crawl failed with exit status {status};")
    assert mail[-1] == f"== tinlanhdao run summary: exit {status} =="
    assert len(mail) <= 30  # the end of the log, not all of it
    assert done.stderr == ""


def test_a_broken_install_is_mailed(tmp_path: Path) -> None:
    variables, jobs = _cron_entries()
    command = _moved(jobs[0].split(None, 6)[6], tmp_path)
    (tmp_path / "var/log/tinlanhdao").mkdir(parents=True)  # but no /opt/tinlanhdao at all
    env = {"PATH": "/usr/bin:/bin", **{k: _moved(v, tmp_path) for k, v in variables.items()}}
    done = subprocess.run(["/bin/sh", "-c", command], env=env, capture_output=True, text=True,
                          timeout=30)  # fmt: skip
    assert "failed with exit status" in done.stdout
    assert done.stderr  # the shell's own error about the missing folder


@pytest.mark.skipif(shutil.which("logrotate") is None, reason="logrotate is not installed")
def test_logrotate_file_parses_and_names_the_cron_log(tmp_path: Path) -> None:
    text = (DEPLOY / "tinlanhdao.logrotate").read_text("utf-8")
    _, jobs = _cron_entries()
    log_path = next(word for word in jobs[0].split() if word.endswith("crawl.log"))
    assert text.count(log_path + " {") == 1
    user = os.environ.get("USER") or "root"
    local = _moved(text, tmp_path).replace("tinlanhdao tinlanhdao", f"{user} {user}")
    (tmp_path / "var/log/tinlanhdao").mkdir(parents=True)
    (tmp_path / "var/log/tinlanhdao/crawl.log").write_text("a run\n", encoding="utf-8")
    config = tmp_path / "logrotate.conf"
    config.write_text(local, encoding="utf-8")
    config.chmod(0o644)
    done = subprocess.run(["logrotate", "--debug", "--state", str(tmp_path / "state"),
                           str(config)], capture_output=True, text=True, timeout=30)
    assert done.returncode == 0, done.stderr
    assert "error" not in done.stderr.lower()


def test_systemd_unit_treats_a_held_lock_as_success_and_sets_the_contact() -> None:
    unit = (DEPLOY / "tinlanhdao.service").read_text("utf-8")
    assert "SuccessExitStatus=75" in unit
    assert "Environment=TINLANHDAO_CONTACT=" in unit
    assert "journal is the only log" in unit
