"""The archive's heavy writes, done in a child process so that a crawl uses a second core.

Storing an article (full-text indexing, revisions) and capturing a response (WARC records, an
fsync, the ``captures`` index) cost the crawl more CPU than downloading and extracting pages.
``ArchiveWriter`` hands them to one child process that opens its own ``archive.Archive`` and
``crawler.capture.WarcCapture``; the crawl sends requests over a pipe and gets each answer back
as a Deferred, so Scrapy goes on downloading and extracting meanwhile.

What the archive promises still holds:

- the child handles requests one at a time, in the order they were sent;
- the requests the child takes from the pipe at once (up to BATCH) are committed together,
  in one transaction, before any of their answers is sent, so an answered store is on disk;
  each article (with its provenance) still succeeds or fails alone, in its own savepoint;
- a capture's records are fsync'ed before its ``captures`` row is committed; the child makes
  one fsync for all the captures it holds at once (group commit);
- the child ignores SIGINT and SIGTERM, which reach the whole process group: the crawl decides
  when to stop, finishes what it sent and closes the pipe. The child then finishes what it
  holds and exits. It does the same when the crawl dies (SIGKILL): the pipe closes.

Requests: ``capture`` (``WarcCapture.write``, then the group fsync, then ``WarcCapture.index``)
and ``store`` (``Archive.store_article``, then the article's provenance: the capture of its URL
the child indexed before, and the extractor version).
The crawl does not wait for a capture's answer, only for a store's. The setting
ARCHIVE_WRITER_PROCESS (default True) turns the child on; off, the pipeline and the capture
middleware call the same methods in the crawl's own process.
"""

from __future__ import annotations

import atexit
import functools
import logging
import os
import signal
import socket
import subprocess
import sys
import weakref
from collections.abc import Callable
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.settings import Settings
from scrapy.utils.defer import deferred_from_coro
from twisted.internet import reactor
from twisted.internet.defer import Deferred
from twisted.internet.interfaces import IReadDescriptor
from zope.interface import implementer

from archive import ArchiveError, InvalidArticle, default_archive_path
from archive.storing import as_article
from archive.transactions import write_transaction
from crawler.version import extractor_version

logger = logging.getLogger(__name__)

PIPE_BUFFER = 4 * 1024 * 1024  # bytes the crawl can send before waiting for the child
BATCH = 64  # requests the child takes at once from the pipe (one fsync, one commit for them)
GATHER_SECONDS = 0.01  # how long the child waits for more requests before handling a batch
_JOIN_SECONDS = 120  # how long the crawl waits for the child to finish at the end

_writers: weakref.WeakKeyDictionary[Crawler, ArchiveWriter] = weakref.WeakKeyDictionary()


class WriterLost(ArchiveError):
    """The writer process ended before answering (it crashed or was killed)."""


@dataclass
class WriterConfig:
    """Where the archive and its WARC files are, and what each WARC file's warcinfo says; the
    child gets it once, when it starts."""

    archive_path: str
    warc_dir: str
    warc_max_bytes: int
    warc_info: dict[str, str]
    run_id: int | None = None  # the crawl run its captures belong to

    @classmethod
    def from_settings(cls, settings: Settings, run_id: int | None = None) -> WriterConfig:
        """ARCHIVE_PATH, WARC_DIR (default: ``warc`` beside the archive), WARC_MAX_BYTES, and
        for warcinfo the extractor version, USER_AGENT and ROBOTSTXT_OBEY."""
        from archive.captures import default_warc_dir
        from crawler.capture import DEFAULT_MAX_BYTES  # (crawler.capture imports this module)

        archive_path = settings.get("ARCHIVE_PATH") or default_archive_path()
        info = {"isPartOf": "tinlanhdao", "extractor": extractor_version()}
        if settings.get("USER_AGENT"):
            info["http-header-user-agent"] = settings.get("USER_AGENT")
        if settings.getbool("ROBOTSTXT_OBEY"):
            info["robots"] = "obey"
        return cls(
            str(archive_path),
            str(settings.get("WARC_DIR") or default_warc_dir(archive_path)),
            settings.getint("WARC_MAX_BYTES", DEFAULT_MAX_BYTES),
            info,
            run_id,
        )


def shared_writer(crawler: Crawler, run_id: int | None = None) -> ArchiveWriter | None:
    """The crawl's writer process, started on first use (the store pipeline starts it with
    its run id); None when ARCHIVE_WRITER_PROCESS is off. The pipeline and the capture
    middleware share it, and it stops when the engine does (after spider_closed), once it has
    handled every request."""
    if not crawler.settings.getbool("ARCHIVE_WRITER_PROCESS", True):
        return None
    writer = _writers.get(crawler)
    if writer is None:
        config = WriterConfig.from_settings(crawler.settings, run_id)
        on_lost = functools.partial(stop_crawl, crawler, "archive_writer_lost")
        writer = _writers[crawler] = ArchiveWriter(config, on_lost=on_lost)
        crawler.signals.connect(writer.close, signal=signals.engine_stopped)
    return writer


class ArchiveWriter:
    """The crawl's side of the writer process: ``call(operation, *args)`` sends a request and
    returns a Deferred that fires with its answer (in the reactor's thread)."""

    def __init__(self, config: WriterConfig, on_lost: Callable[[], Any] | None = None) -> None:
        self.config = config
        self.on_lost = on_lost  # called (in the reactor's thread) if the child dies first
        self._process, self._pipe = start_child(config)
        self._waiting: dict[int, Deferred] = {}
        self._sent = 0
        self._closed = False
        self._reader = _AnswerReader(self)
        reactor.addReader(self._reader)  # answers are read in the reactor's own loop
        atexit.register(self.close)  # a process that never stopped its engine still ends

    def call(self, operation: str, *args: Any) -> Deferred:
        """Send one request; the Deferred fails with the child's error, or ``WriterLost``."""
        answer: Deferred = Deferred()
        if self._closed:
            answer.errback(WriterLost("the archive writer process has stopped"))
            return answer
        self._sent += 1
        self._waiting[self._sent] = answer
        try:
            self._pipe.send((self._sent, operation, args))
        except (OSError, ValueError) as error:
            self._waiting.pop(self._sent).errback(WriterLost(f"cannot reach the writer: {error}"))
        return answer

    def capture(self, **fetch: Any) -> Deferred:
        """Capture one fetch (``WarcCapture.write``'s arguments); fires with a CaptureResult."""
        return self.call("capture", fetch)

    def read_answers(self) -> None:
        """Handle every batch of answers waiting in the pipe (the reactor saw it readable)."""
        try:
            while self._pipe.poll():
                self._answer(self._pipe.recv())
        except (EOFError, OSError):
            reactor.removeReader(self._reader)
            self._lost()

    def _answer(self, answers: list[tuple[int, bool, Any]]) -> None:
        for number, ok, value in answers:
            waiting = self._waiting.pop(number, None)
            if waiting is None:
                continue
            if ok:
                waiting.callback(value)
            else:
                waiting.errback(_as_error(*value))

    def _lost(self) -> None:
        """The pipe closed: expected after ``close``; otherwise the child died."""
        if self._closed:
            return
        self._closed = True
        waiting, self._waiting = self._waiting, {}
        logger.error("The archive writer process ended unexpectedly with %d requests "
                     "unanswered; stopping the crawl", len(waiting))  # fmt: skip
        if self.on_lost is not None:  # first, so the crawl stops for this reason
            self.on_lost()
        for answer in waiting.values():
            answer.errback(WriterLost("the archive writer process ended"))

    def close(self) -> None:
        """Let the child finish every request sent, then wait for it to exit."""
        atexit.unregister(self.close)
        if not self._closed:
            self._closed = True
            try:
                self._pipe.send(None)
            except (OSError, ValueError):
                pass
        try:
            self._process.wait(_JOIN_SECONDS)
        except subprocess.TimeoutExpired:
            logger.error("The archive writer process did not finish in %d s; stopping it",
                         _JOIN_SECONDS)  # fmt: skip
            self._process.kill()
            self._process.wait(10)
        reactor.removeReader(self._reader)
        self._pipe.close()


def stop_crawl(crawler: Crawler, reason: str) -> None:
    """Close the spider with ``reason`` (nothing more can be archived); the run then ends with
    that finish reason and a non-zero exit status."""
    engine = crawler.engine
    if engine is None:
        return
    if hasattr(engine, "close_spider_async"):
        deferred_from_coro(engine.close_spider_async(reason=reason))
    else:  # Scrapy < 2.14
        engine.close_spider(engine.spider, reason)


@implementer(IReadDescriptor)
class _AnswerReader:
    """The writer's pipe as the reactor sees it: readable means answers are waiting."""

    def __init__(self, writer: ArchiveWriter) -> None:
        self.writer = writer
        self.fd = writer._pipe.fileno()

    def fileno(self) -> int:
        return self.fd

    def doRead(self) -> None:  # noqa: N802 (Twisted's interface)
        self.writer.read_answers()

    def connectionLost(self, reason: Any) -> None:  # noqa: N802
        """Nothing to do: ``read_answers`` notices a closed pipe."""

    def logPrefix(self) -> str:  # noqa: N802
        return "tinlanhdao-writer"


def start_child(config: WriterConfig) -> tuple[subprocess.Popen, Connection]:
    """Start the writer process and send it ``config``; return it and the crawl's end of the
    pipe. It is a fresh interpreter: not a fork (no inherited threads, reactor or database
    connections), and not multiprocessing's spawn, which runs the parent's ``__main__`` again."""
    ours, theirs = socket.socketpair()
    ours.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, PIPE_BUFFER)
    with theirs:
        process = subprocess.Popen(
            [sys.executable, "-c", CHILD_MAIN, str(theirs.fileno())],
            pass_fds=(theirs.fileno(),),
            stdin=subprocess.DEVNULL,
            env=_child_environment(),
        )
    pipe = Connection(ours.detach())
    pipe.send(config)
    return process, pipe


def _child_environment() -> dict[str, str]:
    """The crawl's environment, with the folder holding this project's packages on the
    child's PYTHONPATH (the crawl may have found them through its working directory)."""
    root = str(Path(__file__).resolve().parents[1])
    paths = [root, *filter(None, os.environ.get("PYTHONPATH", "").split(os.pathsep))]
    return dict(os.environ, PYTHONPATH=os.pathsep.join(dict.fromkeys(paths)))


_ERRORS = {"InvalidArticle": InvalidArticle, "OSError": OSError}


def _error(error: Exception) -> tuple[str, str]:
    """How the child reports ``error`` to the crawl (see ``_as_error``)."""
    return type(error).__name__, str(error)


def _as_error(kind: str, message: str) -> Exception:
    """The crawl-side exception for an error the child reported."""
    return _ERRORS.get(kind, ArchiveError)(message)


# --- The child ---------------------------------------------------------------------------------

CHILD_MAIN = "import sys; from crawler.writer import child_main; child_main(sys.argv[1:])"


def child_main(argv: list[str]) -> None:
    """Entry point of the child: ``<socket fd>``; the WriterConfig comes first on the pipe."""
    serve(Connection(int(argv[0])))


def serve(pipe: Any) -> None:
    """The child's loop: read the WriterConfig, then take the requests waiting in the pipe
    (up to BATCH), handle them, send their answers back in one message; stop at the end marker
    or when the pipe closes."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    try:
        config = pipe.recv()
    except (EOFError, OSError):
        return  # the crawl went away at once
    handler = _Handler(config)
    try:
        while True:
            batch, stop = _take(pipe)
            if batch:
                try:
                    pipe.send(handler.handle(batch))
                except (OSError, ValueError):  # the crawl is gone: nobody to answer
                    pass
            if stop:
                break
    finally:
        handler.close()


def _take(pipe: Any) -> tuple[list[tuple[int, str, tuple]], bool]:
    """The requests in the pipe (at least one unless it is closed; then those that follow
    within GATHER_SECONDS of each other, up to BATCH), and whether the crawl asked to stop or
    went away."""
    batch: list[tuple[int, str, tuple]] = []
    try:
        while len(batch) < BATCH and (not batch or pipe.poll(GATHER_SECONDS)):
            request = pipe.recv()
            if request is None:
                return batch, True
            batch.append(request)
    except (EOFError, OSError):
        return batch, True
    return batch, False


class _Handler:
    """Runs requests against the child's own Archive and WarcCapture.

    A stored article's provenance (the capture it came from, the extractor version) is set
    here: the child indexed that URL's capture a moment before, so the crawl never waits for
    a capture's answer. An article whose page could not be captured is refused."""

    def __init__(self, config: WriterConfig) -> None:
        from archive import Archive  # imported here: the child is a fresh interpreter
        from archive.captures import Captures
        from crawler.capture import WarcCapture

        self.archive = Archive(config.archive_path)
        self.extractor = extractor_version()
        self.warc = WarcCapture(Captures.of(self.archive), config.warc_dir,
                                config.warc_max_bytes, config.run_id, config.warc_info)  # fmt: skip
        self.captured: dict[str, int | None] = {}  # URL -> its latest capture id (None: failed)

    def handle(self, batch: list[tuple[int, str, tuple]]) -> list[tuple[int, bool, Any]]:
        """Answer each request. The batch's captures come first (a store never comes before
        its page's capture, which was sent earlier): their records are written and fsync'ed
        (one fsync) before the transaction begins, so no lock is held meanwhile; then their
        ``captures`` rows and the batch's stores are committed together."""
        captures = [(n, args) for n, operation, args in batch if operation == "capture"]
        answers, written = self._write_captures(captures)
        try:
            with self.archive.batch():  # one commit for the whole batch
                for number, url, pending in written:
                    answers[number] = self._answer(number, self._index, url, pending)
                for number, operation, args in batch:
                    if operation != "capture":
                        answers[number] = self._answer(number, self._request, operation, args)
        except Exception as error:  # noqa: BLE001 - the transaction failed: nothing is stored
            self.captured.update((url, None) for _, url, _ in written)
            failed = _error(error)
            answers = {number: (number, False, failed) for number, _, _ in batch}
        return [answers[number] for number, _, _ in batch]

    def _answer(self, number: int, method: Callable[..., Any], *args: Any) -> tuple:
        """The answer to request ``number``: what ``method`` returns, or the error it raised.
        An error that ended the batch's transaction (an I/O error, a ROLLBACK trigger) is
        raised instead: what the batch did before it is gone, so all of it has failed."""
        try:
            return number, True, method(*args)
        except Exception as error:  # noqa: BLE001 - every error goes to the crawl
            if not self.archive.db.conn.in_transaction:
                raise
            return number, False, _error(error)

    def _request(self, operation: str, args: tuple) -> Any:
        if operation == "store":
            return self._store(*args)
        raise ArchiveError(f"unknown request {operation!r}")

    def _write_captures(
        self, requests: list[tuple[int, tuple]]
    ) -> tuple[dict[int, tuple[int, bool, Any]], list[tuple[int, str, Any]]]:
        """Write each capture's records, then fsync them all at once; return the answers of
        those that failed, and (number, URL, pending capture) for those written."""
        answers: dict[int, tuple[int, bool, Any]] = {}
        written = []
        for number, (fetch,) in requests:
            url = fetch["url"]
            try:
                written.append((number, url, self.warc.write(**fetch)))
            except Exception as error:  # noqa: BLE001
                self.captured[url] = None
                answers[number] = (number, False, _error(error))
        if written:
            try:
                self.warc.sync()
            except Exception as error:  # noqa: BLE001
                for number, url, _ in written:
                    self.captured[url] = None
                    answers[number] = (number, False, _error(error))
                written = []
        return answers, written

    def _index(self, url: str, pending: Any) -> Any:
        self.captured[url] = None  # until its row is in
        result = self.warc.index(pending)
        self.captured[url] = result.capture_id
        return result

    def _store(self, article: Any, run_id: int | None) -> str:
        """Store ``article``, then link it to its page's capture, if the crawl captured it."""
        record = as_article(article)
        captured = record.url in self.captured
        capture_id = self.captured.pop(record.url, None)
        if captured and capture_id is None:
            raise ArchiveError(f"not stored: the page could not be captured: {record.url}")
        with write_transaction(self.archive.db):  # the article and its provenance, or neither
            outcome = self.archive.store_article(record, run_id)
            if captured and outcome != "refused":  # a refused page is not the article's source
                self.warc.captures.set_provenance(record.url, capture_id, self.extractor,
                                                  record.fetched_at)  # fmt: skip
        return outcome

    def close(self) -> None:
        self.warc.close()
        self.archive.close()
