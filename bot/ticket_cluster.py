"""Many helpdesk exports at once, classified on Dask (dask.distributed) when that pays.

`mot tickets analyze` takes several files and folders of exports. They are
read here, in this process (a remote cluster's workers need not see our
disk), and their tickets are shipped in chunks of `CHUNK_SIZE` to the
workers, which run `bot.core.tickets.classify_batch`: the very function the
single-process path uses, so every ticket gets the same result wherever it
is read. The results come back in order and are tallied into one
`TicketAnalysis`, file by file, as if one file held them all.

Where the work runs:
- `--scheduler ADDRESS`: an existing cluster (its workers need this project
  installed: they import the classifier);
- otherwise, below `CLUSTER_FROM_BYTES` of exports, in this process, file by
  file through `bot.exports.analyze_helpdesk_export` (a cluster would not
  pay for its start);
- otherwise a `LocalCluster` of worker processes started for the run.

Dask is imported inside the functions that use it: importing this module
(and so `bot.cli`) stays fast and does no I/O. bot/core knows nothing of Dask.
"""

from __future__ import annotations

import logging
import os
import tempfile
import warnings
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from bot import exports
from bot.core.errors import MotError
from bot.core.texts import text
from bot.core.tickets import (
    MomentTally,
    Skipped,
    TicketAnalysis,
    TicketResult,
    classify_batch,
)
from bot.tables import Progress, Table, UnreadableTable, ticket_columns, ticket_text

if TYPE_CHECKING:
    from distributed import Client, Future

# What the chat adapters accept as an export (bot/adapters/terminal.py, telegram_uploads.py).
EXPORT_SUFFIXES = frozenset({".csv", ".tsv", ".txt", ".xlsx"})

# A task is one chunk: 0.2 to 0.4 s of classifying on one core (5,000 to 9,000
# tickets per CPU-second, by their length), long beside Dask's few milliseconds
# per task, short enough that the workers stay busy to the end and little is
# held in memory.
CHUNK_SIZE = 2_000
CHUNKS_IN_FLIGHT_PER_THREAD = 3

# Starting a local cluster of two worker processes and loading the model in each
# takes about 1 s on a quiet 2-core machine (0.65 s to start, more when the machine
# is busy); then the two classify about 8,700 tickets/s against one process's
# 5,600 (bench/tickets_cluster.py). The start pays from about 17,000 tickets, some
# 5 MB of exports with the columns real ones carry (270 bytes a ticket in the
# bench's). Below that one process is as quick and starts nothing.
CLUSTER_FROM_BYTES = 5_000_000
LOCAL_WORKERS_AT_MOST = 4

CONNECT_TIMEOUT_S = 5
WORKERS_TIMEOUT_S = 10


class ClusterError(MotError):
    """The Dask cluster cannot be used (unreachable, no workers, a worker lost): one line why."""


class SchedulerAddressError(ClusterError):
    """The `--scheduler` value is not an address Dask can connect to (a mistake in the input)."""


# --- finding the exports ------------------------------------------------------------


@dataclass(frozen=True)
class Inputs:
    """The export files the arguments name, in order, and the folders that held none."""

    files: list[Path]
    empty_folders: list[Path]

    def problems(self) -> list[str]:
        return [
            text("cli.no_exports_in_folder", path=folder, suffixes=_suffixes())
            for folder in self.empty_folders
        ]


def _suffixes() -> str:
    return ", ".join(sorted(EXPORT_SUFFIXES))


def discover(paths: Sequence[Path]) -> Inputs:
    """Each path as given, a folder as every export file inside it (recursively, sorted).

    A path that is not a folder is kept as it is, even when it does not exist,
    so reading it reports the problem with its name. In a folder, files and
    folders whose name starts with a dot are left out (`.git`, editors' copies),
    and so are Excel's `~$` lock files of an open workbook. A file named twice
    is read once.
    """
    files: list[Path] = []
    empty: list[Path] = []
    seen: set[Path] = set()
    for path in paths:
        found = _exports_in(path) if path.is_dir() else [path]
        if not found:
            empty.append(path)
        for file in found:
            key = file.resolve()
            if key not in seen:
                seen.add(key)
                files.append(file)
    return Inputs(files, empty)


def _exports_in(folder: Path) -> list[Path]:
    found: list[tuple[tuple[str, ...], Path]] = []
    for top, folders, names in os.walk(folder):  # symlinked folders are not followed
        folders[:] = [name for name in folders if not name.startswith(".")]
        for name in names:
            if name.startswith((".", "~$")) or Path(name).suffix.lower() not in EXPORT_SUFFIXES:
                continue
            path = Path(top) / name
            found.append((path.relative_to(folder).parts, path))
    return [path for _, path in sorted(found)]


# --- the result ---------------------------------------------------------------------


@dataclass(frozen=True)
class FileResult:
    """One file of the run: its tickets and skipped rows, or why it could not be read."""

    path: Path
    tickets: int = 0
    skipped: int = 0
    error: str | None = None


@dataclass
class ExportsAnalysis:
    """The tickets of several exports as one analysis, and what became of each file."""

    analysis: TicketAnalysis = field(default_factory=TicketAnalysis)
    files: list[FileResult] = field(default_factory=list)

    @property
    def read(self) -> list[FileResult]:
        return [f for f in self.files if f.error is None]

    def file_of_each(self) -> tuple[list[str], list[str]]:
        """The file of each ticket and of each skipped row, in the analysis' order."""
        tickets = [str(f.path) for f in self.read for _ in range(f.tickets)]
        skipped = [str(f.path) for f in self.read for _ in range(f.skipped)]
        return tickets, skipped

    def to_dict(self) -> dict[str, object]:
        """The single-file JSON, each ticket and skipped row naming its file, and `files`."""
        result = self.analysis.to_dict()
        ticket_files, skipped_files = self.file_of_each()
        for entries, names in (
            (result["tickets"], ticket_files),
            (result["skipped"], skipped_files),
        ):
            assert isinstance(entries, list)
            for entry, name in zip(entries, names, strict=True):
                entry["file"] = name
        result["files"] = [
            {"path": str(f.path), "tickets": f.tickets, "skipped": f.skipped}
            if f.error is None
            else {"path": str(f.path), "error": f.error}
            for f in self.files
        ]
        return result


def merge(into: TicketAnalysis, part: TicketAnalysis) -> None:
    """Add `part`'s tickets after `into`'s, as `TicketAnalysis.add` would have one by one.

    Counts add up; the first sample, negative example and quote of a group stay
    the earlier file's.
    """
    into.tickets.extend(part.tickets)
    into.skipped.extend(part.skipped)
    for mot, tally in part.moments.items():
        _merge_tally(into.moments.setdefault(mot, MomentTally()), tally)
    _merge_tally(into.unclassified, part.unclassified)
    for group, quotes in part.group_quotes.items():
        kept = into.group_quotes.setdefault(group, {})
        for side, quote in quotes.items():
            kept.setdefault(side, quote)


def _merge_tally(into: MomentTally, part: MomentTally) -> None:
    into.count += part.count
    into.negative += part.negative
    into.positive += part.positive
    into.themes.update(part.themes)
    into.example = into.example or part.example
    into.sample = into.sample or part.sample


def _combined(paths: Sequence[Path], parts: Sequence[TicketAnalysis | str]) -> ExportsAnalysis:
    """The run's result from each file's analysis (or its error), in the files' order."""
    result = ExportsAnalysis()
    for path, part in zip(paths, parts, strict=True):
        if isinstance(part, str):
            result.files.append(FileResult(path, error=part))
            continue
        merge(result.analysis, part)
        result.files.append(FileResult(path, len(part.tickets), len(part.skipped)))
    return result


# --- where the work runs ----------------------------------------------------------------

OnStart = Callable[[str | None, int], None]  # (scheduler address or None for local, workers)


def analyze_exports(
    files: Sequence[Path],
    text_column: str | None = None,
    progress: Progress | None = None,
    scheduler: str | None = None,
    on_start: OnStart | None = None,
) -> ExportsAnalysis:
    """Every ticket of `files`, classified where it pays (see the module's docstring).

    A file that cannot be read gets its error in `files` and leaves the others
    alone. A cluster that cannot be used raises `ClusterError`.
    """
    if scheduler is not None:
        with connected(scheduler) as client:
            if on_start:
                on_start(scheduler, len(_threads(client)))
            return analyze_on(client, files, text_column, progress)
    if _size(files) < CLUSTER_FROM_BYTES:
        return analyze_in_process(files, text_column, progress)
    with local_cluster() as client:
        if on_start:
            on_start(None, len(_threads(client)))
        return analyze_on(client, files, text_column, progress)


def _size(files: Sequence[Path]) -> int:
    return sum(_file_size(path) for path in files)


def _file_size(path: Path) -> int:
    """Its size in bytes; 0 when it is missing or unreadable (reading it will say so)."""
    try:
        return path.stat().st_size
    except OSError:
        return 0


class _Overall:
    """One progress over all files, by bytes: each file's own progress placed after the others'."""

    def __init__(self, files: Sequence[Path], progress: Progress | None) -> None:
        self.sizes = [_file_size(path) for path in files]
        self.total = sum(self.sizes)
        self.progress = progress
        self.at = 0.0

    def position(self, index: int, done: int, total: int) -> float:
        """Where file `index` being `done` of `total` through is in all the bytes."""
        share = min(1.0, done / total) if total else 1.0
        return sum(self.sizes[:index]) + share * self.sizes[index]

    def show(self, position: float) -> None:
        self.at = max(self.at, position)
        if self.progress and self.total:
            self.progress(int(self.at), self.total)

    def done(self) -> None:
        if self.progress:
            self.progress(self.total, self.total)


def analyze_in_process(
    files: Sequence[Path], text_column: str | None = None, progress: Progress | None = None
) -> ExportsAnalysis:
    """Each file as `mot tickets analyze FILE` reads it, in this process; the reference result."""
    overall = _Overall(files, progress)
    parts: list[TicketAnalysis | str] = []
    for index, path in enumerate(files):

        def file_progress(done: int, total: int, index: int = index) -> None:
            overall.show(overall.position(index, done, total))

        try:
            parts.append(
                exports.analyze_helpdesk_export(path, text_column, file_progress, workers=1)
            )
        except UnreadableTable as error:
            parts.append(str(error))
    overall.done()
    return _combined(files, parts)


def analyze_on(
    client: Client,
    files: Sequence[Path],
    text_column: str | None = None,
    progress: Progress | None = None,
) -> ExportsAnalysis:
    """Read `files` here and classify their tickets on `client`'s cluster, chunk by chunk.

    At most a few chunks per worker thread are in flight, so memory does not
    grow with the exports. A file that turns out unreadable halfway is left out
    whole, as `mot tickets analyze FILE` would refuse it.
    """
    overall = _Overall(files, progress)
    threads = max(1, sum(_threads(client).values()))
    in_flight = CHUNKS_IN_FLIGHT_PER_THREAD * threads
    parts: list[TicketAnalysis | str] = [TicketAnalysis() for _ in files]
    pending: deque[tuple[int, list[tuple[str, str]], float, Future[list[TicketResult]]]] = deque()

    def collect(keep: int) -> None:
        while len(pending) > keep:
            index, chunk, position, future = pending.popleft()
            results = _result(future)
            part = parts[index]
            if isinstance(part, TicketAnalysis):  # not a file found unreadable since
                for (_, ticket), result in zip(chunk, results, strict=True):
                    part.add(result, ticket)
            overall.show(position)

    try:
        for index, path in enumerate(files):
            part = parts[index]
            assert isinstance(part, TicketAnalysis)
            reading = _Reading(overall, index)
            try:
                for chunk in _chunks(path, text_column, part.skipped, reading):
                    future = client.submit(classify_batch, chunk, pure=False)
                    pending.append((index, chunk, reading.at, future))
                    collect(in_flight)
            except UnreadableTable as error:
                parts[index] = str(error)
        collect(0)
    finally:
        for _, _, _, future in pending:
            future.cancel()  # type: ignore[no-untyped-call]
    for index, path in enumerate(files):
        part = parts[index]
        if isinstance(part, TicketAnalysis) and not part.tickets:
            parts[index] = _no_ticket(path, part.skipped)
    overall.done()
    return _combined(files, parts)


class _Reading:
    """How far the reading of one file has come, in all the files' bytes."""

    def __init__(self, overall: _Overall, index: int) -> None:
        self.overall = overall
        self.index = index
        self.at = overall.position(index, 0, 1)

    def __call__(self, done: int, total: int) -> None:
        self.at = self.overall.position(self.index, done, total)


def _chunks(
    path: Path, text_column: str | None, skipped: list[Skipped], progress: Progress
) -> Iterator[list[tuple[str, str]]]:
    """The (id, text) chunks of an export, as `bot.exports.analyze_helpdesk_export` reads them
    (tests/integration/test_tickets_dask.py compares the two ticket by ticket).

    Rows without a ticket go to `skipped`; the id is the export's id column, or
    the row number when there is none.
    """
    table = Table(path)
    columns = ticket_columns(table, text_column)
    chunk: list[tuple[str, str]] = []
    for row in table.rows(progress):
        ticket, reason = ticket_text(row, columns)
        if ticket is None:
            skipped.append(Skipped(row.number, reason))
            continue
        ticket_id = (row.values.get(columns.id) or "").strip() if columns.id else ""
        chunk.append((ticket_id or str(row.number), ticket))
        if len(chunk) == CHUNK_SIZE:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _no_ticket(path: Path, skipped: list[Skipped]) -> str:
    """The error of a file without one readable ticket, worded as the single-file path does."""
    reasons = sorted({s.reason for s in skipped}) or [text("skipped.no_rows")]
    return str(UnreadableTable(f"{path}: {text('file.no_ticket', reasons='; '.join(reasons))}"))


def _threads(client: Client) -> dict[str, int]:
    """Each worker's address and its number of threads."""
    return dict(client.nthreads())  # type: ignore[no-untyped-call]


def _result(future: Future[list[TicketResult]]) -> list[TicketResult]:
    """A chunk's results; a worker lost or an error on the cluster as one `ClusterError`."""
    try:
        results: list[TicketResult] = future.result()
    except Exception as error:  # KilledWorker, a closed connection, an import error there
        reason = _one_line(error)
        problem = text("cli.cluster_failed", kind=type(error).__name__, reason=reason)
        raise ClusterError(problem) from None
    return results


def _one_line(error: BaseException) -> str:
    lines = [line.strip() for line in str(error).splitlines() if line.strip()]
    return lines[0] if lines else type(error).__name__


@contextmanager
def _quiet() -> Iterator[None]:
    """Dask's warnings off the user's terminal: its log ("event loop unresponsive",
    heartbeats) and Python warnings (a port taken, versions told apart): what
    matters ends in an error of its own."""
    logger = logging.getLogger("distributed")
    level = logger.level
    logger.setLevel(logging.ERROR)
    try:
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", module=r"(distributed|dask)(\.|$)")
            yield
    finally:
        logger.setLevel(level)


@contextmanager
def local_cluster(workers: int | None = None, processes: bool = True) -> Iterator[Client]:
    """A client of a cluster on this machine for one run: a worker process per core (at most 4).

    One thread per worker: the classifier is pure Python and holds the GIL. No
    dashboard, no port to the outside, its scratch space removed afterwards.
    """
    import dask
    from distributed import Client, LocalCluster

    count = workers or max(1, min(os.cpu_count() or 1, LOCAL_WORKERS_AT_MOST))
    with (
        _quiet(),
        # The workers' statistical profiler samples the classifying thread every 10 ms
        # for a dashboard nobody sees: off, 6 % less CPU per ticket in bench/tickets_cluster.py.
        dask.config.set({"distributed.worker.profile.enabled": False}),
        tempfile.TemporaryDirectory(prefix="mot-dask-") as scratch,
        LocalCluster(  # type: ignore[no-untyped-call]
            n_workers=count,
            threads_per_worker=1,
            processes=processes,
            host="127.0.0.1",
            dashboard_address=None,
            # The scheduler serves its health checks over HTTP even without a dashboard,
            # by default on 8787: any free local port instead, never a clash.
            scheduler_kwargs={"dashboard_address": "127.0.0.1:0"},
            silence_logs=logging.ERROR,
            local_directory=scratch,
        ) as cluster,
        Client(cluster, set_as_default=False) as client,  # type: ignore[no-untyped-call]
    ):
        yield client


@contextmanager
def connected(address: str) -> Iterator[Client]:
    """A client of the cluster at `address`, once it answers and has a worker.

    The scheduler is tried first on its own with a timeout: a client that
    fails to connect would hang in its own clean-up at exit instead.
    """
    from distributed import Client

    with _quiet():
        _probe(address)
        try:
            client = Client(address, timeout=CONNECT_TIMEOUT_S, set_as_default=False)  # type: ignore[no-untyped-call]
        except (OSError, TimeoutError):
            raise _unreachable(address) from None
        with client:
            try:
                client.wait_for_workers(1, timeout=WORKERS_TIMEOUT_S)
            except (OSError, TimeoutError):
                raise ClusterError(
                    text("cli.scheduler_no_workers", address=address, seconds=WORKERS_TIMEOUT_S)
                ) from None
            yield client


def _probe(address: str) -> None:
    """Connect to `address` and hang up: a clear error within `CONNECT_TIMEOUT_S` otherwise."""
    import asyncio

    from distributed.comm.core import connect

    async def knock() -> None:
        comm = await connect(address, timeout=f"{CONNECT_TIMEOUT_S}s")  # type: ignore[no-untyped-call]
        await comm.close()

    try:
        asyncio.run(knock())
    except ValueError as error:  # "missing port number", "unknown address scheme 'http'"
        raise SchedulerAddressError(
            text("cli.scheduler_address", address=address, reason=_one_line(error))
        ) from None
    except (OSError, TimeoutError):
        raise _unreachable(address) from None
    except Exception:  # something answers, but not as a Dask scheduler does
        raise ClusterError(text("cli.scheduler_not_dask", address=address)) from None


def _unreachable(address: str) -> ClusterError:
    """Refused, timed out, no such host: Dask retries until the timeout, so all read alike."""
    return ClusterError(
        text("cli.scheduler_unreachable", address=address, seconds=CONNECT_TIMEOUT_S)
    )
