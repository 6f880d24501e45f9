"""What /help, /status and /report show, as text and files: rendering kept apart from sending.

No Telegram calls here. The database-backed ones block (they read through the
services), so handlers run them in a thread and only send what comes back.
"""

from __future__ import annotations

from bot import services
from bot.app import App
from bot.core.taxonomy import Method
from bot.core.texts import text
from bot.report import method_name, workspace_report

# The command menu (setMyCommands) and /help's list: one list, so the two never differ.
COMMANDS = ("start", "help", "status", "report", "language", "cancel", "close_survey",
            "delete_me", "name_me", "facilitate", "next", "pause", "resume", "end",
            "assign")  # fmt: skip


def commands() -> list[tuple[str, str]]:
    """(command, what it does) in the current language, as the menu and /help show them."""
    return [(name, text(f"tg.command.{name}")) for name in COMMANDS]


def help_for_commands() -> str:
    """The help text; its command list is the menu's (`commands`), so the two never differ."""
    lines = [text("tg.help_intro"), "", text("tg.help_commands")]
    lines += [f"/{name}: {about[:1].lower()}{about[1:]}" for name, about in commands()]
    return "\n".join([*lines, "", text("tg.help_files")])


def status_text(app: App, workspace_key: str) -> str:
    """/status: methods with answers and still open, who answered, survey replies."""
    session_id = services.workspace_session(app.uow, workspace_key)
    if session_id is None:
        return text("tg.report_none")
    status = services.session_status(app.uow, session_id)
    context = status.session.context
    if context is None:
        return text("tg.status_unnamed")
    business = context.business.value.upper()
    lines = [text("tg.status", product=context.product_name, business=business)]
    still_open = set(status.open_methods)
    for method in Method:
        answers = status.answers_per_method.get(method, 0)
        mark = "✅" if method not in still_open else "🔄" if answers else "⬜"
        lines.append(
            text("tg.status_method", mark=mark, method=method_name(method), answers=answers)
        )
    open_methods = [method_name(m) for m in status.open_methods]
    lines.append(
        text("tg.status_open", methods=", ".join(open_methods))
        if open_methods
        else text("tg.status_all_done")
    )
    people = ", ".join(f"{name} ({count})" for name, count in status.participants)
    lines.append(text("tg.status_people", people=people) if people else text("tg.status_nobody"))
    if status.survey_code:
        lines.append(
            text("tg.status_survey", code=status.survey_code, responses=status.survey_responses)
        )
    return "\n".join(lines)


# What `/report <format>` takes; PDF when none is named: every phone opens it in
# Telegram's own viewer and it is what a product manager forwards (HTML opens
# only in a browser, after a download).
REPORT_FORMATS = ("pdf", "html", "md", "csv", "json")
DEFAULT_REPORT_FORMAT = "pdf"


def report_format(args: list[str] | None) -> str | None:
    """The format `/report` was asked for (`/report html`, `/report .CSV`); None when unknown."""
    if not args:
        return DEFAULT_REPORT_FORMAT
    wanted = args[0].strip().lower().lstrip(".")
    wanted = {"markdown": "md", "htm": "html"}.get(wanted, wanted)
    return wanted if wanted in REPORT_FORMATS and len(args) == 1 else None


def report_document(
    app: App, workspace_key: str, fmt: str = DEFAULT_REPORT_FORMAT, anonymous: bool = False
) -> tuple[str, bytes, str] | str:
    """(file name, bytes, caption) of the workspace's report, or why there is none."""
    report = workspace_report(app.uow, workspace_key, fmt, anonymous)
    if report is None:
        return text("tg.report_none")
    if not report.moments:
        return text("tg.report_empty", product=report.product)
    caption = text("tg.report_caption", product=report.product, count=report.moments)
    return report.name, report.content, caption
