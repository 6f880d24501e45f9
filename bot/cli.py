"""`mot`: a thin command line over the library."""

from __future__ import annotations

import contextlib
import errno
import getpass
import json
import os
import signal
import sys
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

import click
from sqlalchemy.exc import SQLAlchemyError

from bot import exports, services
from bot.app import App, build_app
from bot.config import (
    DEFAULT_ACTION_PORT,
    DEFAULT_RASA_PORT,
    Settings,
    configured_language,
    load_settings,
    mask_url,
)
from bot.core.errors import SessionNotFound, StorageError
from bot.core.texts import set_language, text
from bot.rasa_supervisor import PRIVATE_UMASK, SupervisorError
from bot.topology import DEFAULT_REPLICAS

if TYPE_CHECKING:
    from bot.adapters.rest import LanguageRouter
    from bot.adapters.terminal import Facilitation, ReportWriter
    from bot.core.tickets import TicketAnalysis


def _progress(message: str) -> None:
    click.echo(message, err=True)


# Exit codes, so scripts can tell a mistake in what they passed from a failure to retry.
BAD_INPUT = 2  # arguments, option values, files that cannot be read, unknown sessions
FAILURE = 1  # everything else: the database, Rasa, Telegram, the disk
INTERRUPTED = 130  # Ctrl-C, as shells report SIGINT (SIGTERM in `mot run` exits 143)


def _one_line(error: object) -> str:
    """The first non-empty line of an error: exception texts may carry a log tail or SQL."""
    lines = [line.strip() for line in str(error).splitlines() if line.strip()]
    return lines[0] if lines else type(error).__name__


def _fail(error: object, code: int = BAD_INPUT) -> NoReturn:
    """Every error of mot ends here: one line on stderr, and exit 2 (bad input) or 1."""
    click.echo(text("cli.error", error=_one_line(error)), err=True)
    sys.exit(code)


def _database_reason(error: Exception) -> str:
    """The driver's own words (`unable to open database file`), without SQLAlchemy's extras."""
    return _one_line(getattr(error, "orig", None) or error)


def _upgrade(settings: Settings) -> None:
    """Bring the database to the newest schema; one line and exit 1 when it cannot be used."""
    from bot.storage.db import upgrade

    try:
        upgrade(settings.sqlalchemy_url, settings.root)
    except (OSError, SQLAlchemyError) as error:
        url = mask_url(settings.database_url)
        _fail(text("cli.database_unusable", url=url, reason=_database_reason(error)), FAILURE)


def _migrated_app() -> App:
    """The app on a database brought to the newest schema (a no-op when it already is)."""
    settings = load_settings()
    _upgrade(settings)
    return build_app(settings)


class _Mot(click.Group):
    """`mot` itself: whatever goes wrong ends in `_fail`, never in a traceback or usage text."""

    def main(
        self,
        args: Sequence[str] | None = None,
        prog_name: str | None = None,
        complete_var: str | None = None,
        standalone_mode: bool = True,
        **extra: Any,
    ) -> Any:
        if not standalone_mode:  # a caller that handles click's exceptions itself
            return super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
        try:
            set_language(configured_language())  # what mot prints, usage errors included
            code = super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
        except click.exceptions.NoArgsIsHelpError as error:  # `mot` alone: its help, as ever
            error.show()
            sys.exit(error.exit_code)
        except click.UsageError as error:  # unknown command or option, bad or missing value
            where = error.ctx.command_path if error.ctx else self.name
            _fail(text("cli.usage", error=error.format_message(), command=where), BAD_INPUT)
        except click.ClickException as error:
            _fail(error.format_message(), error.exit_code)
        except click.Abort:  # Ctrl-C or the end of input at a prompt
            _fail(text("cli.interrupted"), INTERRUPTED)
        except OSError as error:
            if error.errno == errno.EPIPE:  # `mot ... | head`: the reader has gone, say nothing
                _silence_stdout()
                sys.exit(FAILURE)
            _fail(error, FAILURE)
        except StorageError as error:
            cause = error.__cause__ if isinstance(error.__cause__, Exception) else error
            _fail(text("cli.storage_failed", reason=_database_reason(cause)),
                  FAILURE)  # fmt: skip
        except SupervisorError as error:  # Rasa would not train or start; the line names its log
            _fail(error, FAILURE)
        except Exception as error:  # a bug: still one line, saying what broke
            _fail(text("cli.unexpected", kind=type(error).__name__, reason=_one_line(error)),
                  FAILURE)  # fmt: skip
        sys.exit(code if isinstance(code, int) else 0)


def _silence_stdout() -> None:
    """Point stdout at /dev/null, so the flush at exit does not hit the closed pipe again."""
    with contextlib.suppress(OSError, ValueError):  # no real file behind it: nothing to do
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())


@click.group(cls=_Mot)
def main() -> None:
    """Find your product's moments of truth with a chatbot interview."""
    # What mot creates (the database, uploads, reports, the secret key) holds what
    # teams and customers said: readable by this user only.
    os.umask(PRIVATE_UMASK)


_PORT = click.IntRange(1, 65535)


@main.command()
@click.option("--name", default=None, help="Your name in the chat (default: your login).")
@click.option("--rasa-port", default=DEFAULT_RASA_PORT, show_default=True, type=_PORT)
@click.option("--actions-port", default=DEFAULT_ACTION_PORT, show_default=True, type=_PORT)
def run(name: str | None, rasa_port: int, actions_port: int) -> None:
    """Start everything on the embedded default and chat in this terminal (or on Telegram)."""
    from bot.rasa_supervisor import Ports, Stack, ensure_models, language_ports, running_stack

    settings = load_settings()
    _progress(text("cli.migrating", url=mask_url(settings.database_url)))
    _upgrade(settings)
    models = ensure_models(settings.root, settings.chat_languages, _progress)
    ports = Ports(rasa_port, actions_port, language_ports(list(models), rasa_port, actions_port))
    stack = Stack(settings.root, models, settings.sqlalchemy_url, ports,
                  redis_url=settings.redis_url)  # fmt: skip
    # A language without a model (no data/<lang>/) is not offered to anyone.
    settings = replace(settings, chat_languages=tuple(models), rasa_urls=stack.rasa_urls,
                       rasa_url=stack.rasa_url)  # fmt: skip
    user = name or getpass.getuser()
    _daily_retention(settings)
    # A plain `kill` must stop the servers too: turn SIGTERM into a normal exit.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    try:
        with running_stack(stack, _progress):
            if settings.telegram_bot_token:
                _serve_telegram(settings)
            else:
                _chat_here(settings, user)
    except KeyboardInterrupt:
        _progress("\n" + text("cli.stopped"))
    _progress(text("cli.servers_stopped"))


def _chat_here(settings: Settings, user: str) -> None:
    """The terminal chat over the servers `settings` name, with reports and rehearsals."""
    from bot.adapters.terminal import chat

    sender = f"terminal-{user}"
    app = build_app(settings)
    chat(_router(settings), sender=sender, display_name=user,
         uploads=settings.uploads_dir, language=settings.language,
         write_report=_report_writer(app, sender),
         facilitation=_rehearsal(app, sender, user),
         languages=settings.chat_languages)  # fmt: skip


def _serve_telegram(settings: Settings) -> None:
    """Run the Telegram adapter until Ctrl-C or SIGTERM, finishing the update at hand."""
    import asyncio
    import logging

    from bot.adapters.telegram import TelegramUnavailable, run_telegram

    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )

    async def serve() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(signum, stop.set)
        await run_telegram(settings, build_app(settings), _progress, stop=stop)

    try:
        asyncio.run(serve())
    except TelegramUnavailable as error:
        _fail(error, FAILURE)


@main.command()
@click.option("--rasa-url", default=None, help="Rasa server (default: RASA_URL).")
def telegram(rasa_url: str | None) -> None:
    """Serve Telegram in front of an already running Rasa server (needs TELEGRAM_BOT_TOKEN)."""
    settings = load_settings()
    if not settings.telegram_bot_token:
        _fail(text("cli.token_missing"), FAILURE)
    _upgrade(settings)
    _daily_retention(settings)
    _serve_telegram(replace(settings, rasa_url=rasa_url or settings.rasa_url))


def _daily_retention(settings: Settings) -> None:
    """Purge old uploads and idle conversations now and every day while serving."""
    from bot.retention import start_daily

    start_daily(build_app(settings))


@main.command()
@click.option(
    "--days",
    type=click.FloatRange(min=0),
    default=None,
    help="Keep this many days (default: RETENTION_DAYS, 180).",
)
def purge(days: float | None) -> None:
    """Delete raw uploads and idle conversations older than the retention period."""
    from bot.retention import purge as run_purge

    app = _migrated_app()
    kept = app.settings.retention_days if days is None else days
    done = run_purge(app, days)
    click.echo(
        text("cli.purged", uploads=done.uploads, megabytes=f"{done.upload_bytes / 1024 / 1024:.1f}",
             conversations=done.rows.conversations, days=f"{kept:g}",
             events=done.rows.conversation_events, takers=done.rows.survey_takers)
    )  # fmt: skip


@main.command()
@click.option("--force", is_flag=True, help="Train even when nothing changed.")
@click.option(
    "--language", "languages", multiple=True, metavar="LANG",
    help="Train only this language's model (repeatable; default: every chat language).",
)  # fmt: skip
def train(force: bool, languages: tuple[str, ...]) -> None:
    """Train each language's dialogue model whose data/, domain.yml or config changed."""
    from bot.rasa_supervisor import ensure_model, model_languages

    settings = load_settings()
    known = model_languages(settings.root)
    for language in languages or settings.chat_languages:
        if language not in known:
            _fail(text("cli.no_model_language", language=language, known=", ".join(known)))
        click.echo(ensure_model(settings.root, _progress, force=force, language=language))


@main.command("model-path")
@click.option("--language", default="en", show_default=True, metavar="LANG")
def model_path_command(language: str) -> None:
    """Print where the model for the current training data lives."""
    from bot.rasa_supervisor import model_path

    click.echo(model_path(load_settings().root, language))


@main.group()
def topology() -> None:
    """The scale-out topology on this machine: PostgreSQL, Redis, several Rasa servers."""


@topology.command("up")
@click.option("--replicas", default=DEFAULT_REPLICAS, show_default=True,
              type=click.IntRange(1, 8),
              help="Rasa servers, each with its action server.")  # fmt: skip
def topology_up(replicas: int) -> None:
    """PostgreSQL and Redis, the Rasa and action servers, then chat here (or serve Telegram)."""
    from bot.topology import ServicesUnavailable, adapter_settings, running_topology

    settings = load_settings()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    try:
        with running_topology(settings.root, replicas, progress=_progress) as running:
            served = adapter_settings(settings, running)
            click.echo(f"RASA_URL={','.join(running.rasa_urls)}")
            if served.telegram_bot_token:
                _serve_telegram(served)
            else:
                _chat_here(served, getpass.getuser())
    except KeyboardInterrupt:
        _progress("\n" + text("cli.stopped"))
    except (ServicesUnavailable, SupervisorError) as error:
        _fail(error, FAILURE)
    _progress(text("cli.servers_stopped"))


@topology.command("services")
def topology_services() -> None:
    """Only PostgreSQL and Redis, migrated and left running; prints their URLs."""
    from bot.topology import Services, ServicesUnavailable, migrate, state_dir

    settings = load_settings()
    services = Services(state_dir(settings.root))
    try:
        services.start(_progress)
    except ServicesUnavailable as error:
        _fail(error, FAILURE)
    migrate(services.database_url, settings.root)
    click.echo(f"DATABASE_URL={services.database_url}")
    click.echo(f"REDIS_URL={services.redis_url}")


@topology.command("down")
def topology_down() -> None:
    """Stop the PostgreSQL and Redis that `mot topology services` or `up` started."""
    from bot.topology import Services, state_dir

    Services(state_dir(load_settings().root)).stop(everything=True)
    click.echo(text("topology.stopped"))


@main.group()
def db() -> None:
    """Database maintenance."""


@db.command("upgrade")
def db_upgrade() -> None:
    """Create or migrate the database to the newest schema."""
    settings = load_settings()
    _upgrade(settings)
    click.echo(text("cli.db_ready", url=mask_url(settings.database_url)))


@main.command()
@click.option(
    "--url", default=None,
    help="One Rasa server (default: each chat language's, RASA_URL and RASA_URL_<LANG>).",
)  # fmt: skip
@click.option("--sender", default=None, help="Conversation id (default: terminal-<login>).")
def chat(url: str | None, sender: str | None) -> None:
    """Chat with an already running Rasa server."""
    from bot.adapters.terminal import chat as chat_loop

    user = getpass.getuser()
    settings = load_settings()
    sender = sender or f"terminal-{user}"
    app = build_app(settings)
    if url:  # one given server: it speaks whatever its model speaks
        settings = replace(
            settings, rasa_url=url, rasa_urls={}, chat_languages=(settings.language,)
        )
    chat_loop(_router(settings), sender, user, uploads=settings.uploads_dir,
              write_report=_report_writer(app, sender), language=settings.language,
              facilitation=_rehearsal(app, sender, user),
              languages=settings.chat_languages)  # fmt: skip


def _router(settings: Settings) -> LanguageRouter:
    """One REST client per chat language (a pool where several servers serve one)."""
    from bot.adapters.rasa_pool import rasa_router

    return rasa_router(settings)


def _rehearsal(app: App, sender: str, user: str) -> Facilitation:
    """/facilitate, /next, /pause, /resume, /end in the terminal: a one-person rehearsal."""
    from bot.facilitation_service import Rehearsal

    minute_s = app.settings.facilitation_minute_s
    return Rehearsal(app.uow, sender, user, minute_s, _report_writer(app, sender))


def _report_writer(app: App, sender: str) -> ReportWriter:
    """Writes the terminal user's own report under var/reports/ when the chat hands it over."""

    def write(request: dict[str, object]) -> str:
        from bot.core.identity import parse_sender
        from bot.report import workspace_report

        workspace_key = parse_sender(sender).workspace_key
        report = workspace_report(app.uow, workspace_key, str(request.get("format") or "md"))
        if report is None:
            return text("findings_none")
        if not report.moments:
            return text("findings_empty")
        folder = app.settings.root / "var" / "reports"
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        target = folder / report.name
        target.write_bytes(report.content)
        return text("terminal.report_written", path=target)

    return write


@main.group()
def session() -> None:
    """Interview sessions."""


@session.command("show")
@click.argument("session_id", required=False)
def session_show(session_id: str | None) -> None:
    """Print a session's product context as JSON (default: the latest session)."""
    app = _migrated_app()
    try:
        view = services.get_session(app.uow, session_id)
    except SessionNotFound as error:
        _fail(error)
    context = view.context
    click.echo(
        json.dumps(
            {
                "id": view.id,
                "workspace": view.workspace_key,
                "status": view.status,
                "product": context.product_name if context else None,
                "business": context.business.value if context else None,
                "channels": context.channels if context else [],
                "typical_customer": context.typical_customer if context else None,
            },
            indent=2,
        )
    )


class _ProgressBar:
    """Progress on stderr for long files: a live bar on a terminal, a line per 10 % otherwise."""

    def __init__(self, label: str) -> None:
        self.label = label
        self.shown = -1
        self.live = sys.stderr.isatty()

    def __call__(self, done: int, total: int) -> None:
        percent = min(100, int(100 * done / total)) if total else 100
        step = percent if self.live else percent - percent % 10
        if step == self.shown:
            return
        self.shown = step
        bar = "#" * (step // 4)
        if self.live:
            click.echo(f"\r{self.label} [{bar:<25}] {step:3d}%", err=True, nl=step == 100)
        else:
            click.echo(f"{self.label} [{bar:<25}] {step:3d}%", err=True)

    def end_line(self) -> None:
        """End a live bar's line before an error, so the error gets a line of its own."""
        if self.live and 0 <= self.shown < 100:
            click.echo(err=True)


@main.group()
def tickets() -> None:
    """Service records: what customers already told your helpdesk."""


@tickets.command("analyze")
@click.argument("paths", nargs=-1, required=True, metavar="PATH",
                type=click.Path(path_type=Path, dir_okay=True))  # fmt: skip
@click.option(
    "--format", "fmt", type=click.Choice(["json", "table"]), default="table", show_default=True
)
@click.option("--text-column", default=None, help="The column holding the ticket text.")
@click.option(
    "--scheduler", default=None, metavar="ADDRESS",
    help="Classify on this Dask cluster (e.g. tcp://10.0.0.5:8786) instead of this machine.",
)  # fmt: skip
def tickets_analyze(
    paths: tuple[Path, ...], fmt: str, text_column: str | None, scheduler: str | None
) -> None:
    """Classify helpdesk exports (CSV or XLSX) by moment of truth and sentiment.

    PATH is an export or a folder of them; several give one analysis of all their
    tickets. Many tickets are classified on a local Dask cluster, or on the
    cluster at --scheduler.
    """
    if len(paths) == 1 and scheduler is None and not paths[0].is_dir():
        _analyze_one_export(paths[0], fmt, text_column)
    else:
        _analyze_exports(paths, fmt, text_column, scheduler)


def _analyze_one_export(path: Path, fmt: str, text_column: str | None) -> None:
    """One file, in this process (on every core when it is large)."""
    from bot.tables import UnreadableTable

    large = path.exists() and path.stat().st_size > 1_000_000
    progress = _ProgressBar(text("cli.analyzing_tickets")) if large else None
    try:
        analysis = exports.analyze_helpdesk_export(path, text_column, progress)
    except UnreadableTable as error:
        if progress is not None:
            progress.end_line()
        _fail(error)
    _print_analysis(analysis, fmt)


def _analyze_exports(
    paths: Sequence[Path], fmt: str, text_column: str | None, scheduler: str | None
) -> None:
    """Several files and folders as one analysis (Dask when it pays, see bot.ticket_cluster).

    One file found keeps the output of one file; with more, each file gets a
    line and an unreadable one an error line, and only none readable fails.
    """
    from bot import ticket_cluster

    inputs = ticket_cluster.discover(paths)
    large = sum(p.stat().st_size for p in inputs.files if p.is_file()) > 1_000_000
    progress = _ProgressBar(text("cli.analyzing_tickets")) if large else None

    def started(address: str | None, workers: int) -> None:
        if address is None:
            _progress(text("cli.cluster_local", workers=workers))
        else:
            _progress(text("cli.cluster_remote", address=address, workers=workers))

    try:
        result = ticket_cluster.analyze_exports(
            inputs.files, text_column, progress, scheduler, started
        )
    except ticket_cluster.ClusterError as error:
        if progress is not None:
            progress.end_line()
        bad_address = isinstance(error, ticket_cluster.SchedulerAddressError)
        _fail(error, BAD_INPUT if bad_address else FAILURE)
    problems = inputs.problems()
    if len(result.files) == 1 and not problems:
        only = result.files[0]
        if only.error is not None:
            _fail(only.error)
        _print_analysis(result.analysis, fmt)
        return
    errors = [*problems, *(f.error for f in result.files if f.error is not None)]
    key = "cli.file_left_out" if result.read else "cli.error"
    for problem in errors:
        click.echo(text(key, error=problem), err=True)
    if not result.read:
        _fail(text("cli.no_file_readable", count=len(errors)))
    if fmt == "json":
        click.echo(json.dumps(result.to_dict(), ensure_ascii=False))
        return
    for file in result.read:
        click.echo(
            text("cli.file_tickets_read", path=file.path, count=file.tickets, skipped=file.skipped)
        )
    analysis = result.analysis
    click.echo(
        text("cli.files_tickets_read", count=len(analysis.tickets), skipped=len(analysis.skipped),
             files=len(result.read), given=len(result.files))
    )  # fmt: skip
    _print_table(analysis)
    _, skipped_files = result.file_of_each()
    _print_skipped(analysis, skipped_files)


def _print_analysis(analysis: TicketAnalysis, fmt: str) -> None:
    """One export's analysis: the contract's JSON, or the count, the table and skipped rows."""
    if fmt == "json":
        click.echo(json.dumps(analysis.to_dict(), ensure_ascii=False))
        return
    click.echo(text("cli.tickets_read", count=len(analysis.tickets), skipped=len(analysis.skipped)))
    _print_table(analysis)
    _print_skipped(analysis)


def _print_table(analysis: TicketAnalysis) -> None:
    from bot.core.taxonomy import MOMENTS

    click.echo()
    heads = [text(f"cli.column.{name}") for name in ("moment", "tickets", "negative", "themes")]
    click.echo(f"{heads[0]:<32} {heads[1]:>7} {heads[2]:>9}  {heads[3]}")
    for mot in analysis.hardest():
        tally = analysis.moments[mot]
        click.echo(
            f"{MOMENTS[mot].name + ' (' + mot.value + ')':<32} {tally.count:>7} "
            f"{tally.negative_share:>8.0%}  {', '.join(analysis.top_themes(mot))}"
        )


def _print_skipped(analysis: TicketAnalysis, files: Sequence[str] = ()) -> None:
    """The first 20 skipped rows; with `files` (the file of each), each says its file."""
    if not analysis.skipped:
        return
    click.echo("\n" + text("cli.skipped_rows"))
    for number, skipped in enumerate(analysis.skipped[:20]):
        if files:
            line = text("cli.skipped_file_row", path=files[number], row=skipped.row,
                        reason=skipped.reason)  # fmt: skip
        else:
            line = text("cli.skipped_row", row=skipped.row, reason=skipped.reason)
        click.echo("  " + line)
    if len(analysis.skipped) > 20:
        click.echo("  " + text("cli.and_more", count=len(analysis.skipped) - 20))


def _format_of(output: Path | None) -> str:
    """The format a file name asks for (`-o findings.pdf`); Markdown otherwise."""
    suffix = output.suffix.lower().lstrip(".") if output else ""
    suffix = {"htm": "html", "markdown": "md"}.get(suffix, suffix)
    return suffix if suffix in ("md", "html", "pdf", "csv", "json") else "md"


@main.command()
@click.argument("session_id", required=False)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["md", "html", "pdf", "csv", "json"], case_sensitive=False),
    default=None,
    help="md, html, pdf, csv or json (default: the -o file's extension, else md).",
)
@click.option(
    "-o",
    "--output",
    type=click.Path(path_type=Path, dir_okay=False),
    default=None,
    help="Write to this file instead of printing.",
)
@click.option(
    "--anonymous",
    is_flag=True,
    help="Name nobody, not even the people who agreed to be named (/name_me).",
)
def report(session_id: str | None, fmt: str | None, output: Path | None, anonymous: bool) -> None:
    """The prioritised moments of truth of a session (default: the latest)."""
    from bot.report import gather, render

    fmt = (fmt or _format_of(output)).lower()

    if output is None and fmt == "pdf" and sys.stdout.isatty():
        _fail(text("cli.pdf_to_terminal"))
    app = _migrated_app()
    try:
        content = render(gather(app.uow, session_id, anonymous), fmt)
    except SessionNotFound as error:
        _fail(text("cli.no_session", error=error))
    if output is None:
        sys.stdout.flush()
        sys.stdout.buffer.write(content)
        sys.stdout.buffer.flush()
    else:
        try:
            output.write_bytes(content)
        except OSError as error:  # the -o path: no such folder, a folder, not ours
            _fail(text("cli.cannot_write", path=output, reason=error.strerror or error))
        click.echo(text("cli.report_written", path=output), err=True)


@main.command()
def demo() -> None:
    """Load a sample session (FreshCrate, all four methods) and print its id."""
    from bot.demo import load_demo

    click.echo(load_demo(_migrated_app().uow))


@main.group()
def survey() -> None:
    """Customer surveys."""


@survey.command("analyze")
@click.argument("path", type=click.Path(path_type=Path))
@click.option(
    "--format", "fmt", type=click.Choice(["json", "table"]), default="table", show_default=True
)
@click.option("--nps-column", default=None, help="The column with the 0-10 recommendation score.")
@click.option("--csat-column", default=None, help="The column with the 1-5 overall satisfaction.")
@click.option(
    "--text-column",
    "text_columns",
    multiple=True,
    help="A column with open answers (repeat for several).",
)
def survey_analyze(
    path: Path,
    fmt: str,
    nps_column: str | None,
    csat_column: str | None,
    text_columns: tuple[str, ...],
) -> None:
    """NPS, CSAT and mentions per moment from a survey export (CSV or XLSX).

    Reads exports of Google Forms, Typeform, SurveyMonkey, QuestionPro, Microsoft
    Forms and German tools as they are: the columns are recognised by their
    question texts and values; name them with the options when they are not.
    """
    from bot.core.survey_columns import Overrides, describe
    from bot.core.surveys import summarise
    from bot.tables import UnreadableTable

    overrides = Overrides(nps=nps_column, csat=csat_column, text=text_columns)
    try:
        read = exports.read_survey_results(path, overrides)
    except UnreadableTable as error:
        _fail(error)
    summary = summarise(read.responses)
    skipped = read.skipped
    result = summary.to_dict()
    result["columns"] = read.columns.to_dict()
    result["skipped"] = [{"row": s.row, "reason": s.reason} for s in skipped]
    if fmt == "json":
        click.echo(json.dumps(result, ensure_ascii=False))
        return
    click.echo(text("cli.survey_read", count=summary.responses, skipped=len(skipped)))
    click.echo(text("cli.columns_used", columns=describe(read.columns)))
    click.echo(
        text("cli.nps", nps=summary.nps, promoters=summary.promoters, passives=summary.passives,
             detractors=summary.detractors)
    )  # fmt: skip
    click.echo(text("cli.csat", csat=summary.csat, share=summary.csat_satisfied_share))
    for moment in result["moments"]:  # type: ignore[attr-defined]
        line = text("cli.survey_moment", mot=f"{moment['mot']:<6}", positive=moment["positive"],
                    negative=moment["negative"], csat=moment["csat"])  # fmt: skip
        click.echo("  " + line)
    for s in skipped[:20]:
        click.echo("  " + text("cli.survey_skipped_row", row=s.row, reason=s.reason))
