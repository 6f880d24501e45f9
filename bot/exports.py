"""Reading the files a team sends: helpdesk exports and survey results, into evidence.

No database here: the services store what these functions return, the chat
adapters show it, the CLI prints it. Large helpdesk exports are classified on
every core in batches.
"""

from __future__ import annotations

import multiprocessing
import os
from collections import deque
from collections.abc import Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from bot.core import wordlists
from bot.core.errors import UnclearAnswer, UnknownCode
from bot.core.evidence import Evidence
from bot.core.metrics import totals_details
from bot.core.scoring import MOT_ORDER
from bot.core.survey_columns import Overrides, SurveyColumns, read_score, redact
from bot.core.surveys import MomentAnswer, SurveyResponse, SurveySummary
from bot.core.taxonomy import Method, Mot, Polarity, parse_mot
from bot.core.texts import render, text
from bot.core.themes import primary
from bot.core.tickets import (
    Skipped,
    TicketAnalysis,
    TicketClassifier,
    TicketResult,
    classify,
    classify_batch,
    corrected_classifier,
    normalise,
)
from bot.tables import (
    Progress,
    SurveySheet,
    Table,
    UnreadableTable,
    survey_columns,
    ticket_columns,
    ticket_text,
)

PARALLEL_FROM_BYTES = 2_000_000
BATCH_SIZE = 2000
BATCHES_IN_FLIGHT = 4


def analyze_helpdesk_export(
    path: Path,
    text_column: str | None = None,
    progress: Progress | None = None,
    workers: int | None = None,
    corrections: Sequence[tuple[Mot, Mot]] = (),
) -> TicketAnalysis:
    """Classify every ticket of a helpdesk export; bad rows are listed under `skipped`.

    Large files are classified on every core in batches, with at most a few
    batches in flight, so memory does not grow with the file. With the team's
    `corrections` ((read as, belongs to) pairs) the file is read by a classifier
    retrained on the corrected groups, in this process.
    """
    table = Table(path)
    columns = ticket_columns(table, text_column)
    corrected: TicketClassifier | None = None
    if corrections:

        def texts() -> Iterator[str]:
            for row in Table(path).rows():
                found, _ = ticket_text(row, columns)
                if found is not None:
                    yield found

        corrected = corrected_classifier(texts, corrections)
        workers = 1
    analysis = TicketAnalysis()
    # Progress waits for the first readable ticket: an unreadable file shows only its error.
    held: list[tuple[int, int]] = []
    readable = False

    def report(done: int, total: int) -> None:
        if readable and progress:
            progress(done, total)
        else:
            held[:] = [(done, total)]

    def batches() -> Iterator[list[tuple[str, str]]]:
        nonlocal readable
        batch: list[tuple[str, str]] = []
        for row in table.rows(report if progress else None):
            ticket, reason = ticket_text(row, columns)
            if ticket is None:
                analysis.skipped.append(Skipped(row.number, reason))
                continue
            if not readable:
                readable = True
                if held and progress:
                    progress(*held[0])
            ticket_id = (row.values.get(columns.id) or "").strip() if columns.id else ""
            batch.append((ticket_id or str(row.number), ticket))
            if len(batch) == BATCH_SIZE:
                yield batch
                batch = []
        if batch:
            yield batch

    if workers is None:
        workers = min(os.cpu_count() or 1, 4) if table.size >= PARALLEL_FROM_BYTES else 1
    for batch, results in _classified(batches(), workers, corrected):
        for (_, ticket), result in zip(batch, results, strict=True):
            analysis.add(result, ticket)
    if not analysis.tickets:
        reasons = sorted({s.reason for s in analysis.skipped}) or [text("skipped.no_rows")]
        raise UnreadableTable(f"{path}: {text('file.no_ticket', reasons='; '.join(reasons))}")
    return analysis


def _classified(
    batches: Iterator[list[tuple[str, str]]],
    workers: int,
    classifier: TicketClassifier | None = None,
) -> Iterator[tuple[list[tuple[str, str]], list[TicketResult]]]:
    """Each batch with its results, in order; in worker processes when workers > 1."""
    if classifier is not None:
        for batch in batches:
            yield batch, classifier.classify_batch(batch)
        return
    if workers <= 1:
        for batch in batches:
            yield batch, classify_batch(batch)
        return
    context = multiprocessing.get_context("spawn")  # safe beside threads, unlike fork
    with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
        pending: deque[tuple[list[tuple[str, str]], Future[list[TicketResult]]]] = deque()
        for batch in batches:
            pending.append((batch, pool.submit(classify_batch, batch)))
            if len(pending) >= BATCHES_IN_FLIGHT * workers:
                done_batch, future = pending.popleft()
                yield done_batch, future.result()
        while pending:
            done_batch, future = pending.popleft()
            yield done_batch, future.result()


@dataclass(frozen=True)
class SurveyResults:
    """Survey results read from a file: its responses, the rows skipped, and the columns used."""

    responses: list[SurveyResponse]
    skipped: list[Skipped]
    columns: SurveyColumns


def read_survey_results(path: Path, overrides: Overrides | None = None) -> SurveyResults:
    """Survey results: the responses of a CSV/XLSX export as the usual survey tools write it.

    Columns are recognised by header meaning and content (see
    bot.core.survey_columns), or named by `overrides`. Metadata columns
    (timestamps, ids, emails, names) are never read into a response. A row with
    an out-of-range score is skipped; a respondent who left the open questions
    (or the scores) blank still counts.
    """
    sheet = SurveySheet(Table(path))
    columns = survey_columns(sheet, overrides)
    responses: list[SurveyResponse] = []
    skipped: list[Skipped] = []
    for row in sheet.rows():
        if "__width_error__" in row.values:
            problem = row.values["__width_error__"]
            skipped.append(Skipped(row.number, text("skipped.wrong_fields", problem=problem)))
            continue
        if not any((row.values.get(c) or "").strip() for c in columns.used):
            skipped.append(Skipped(row.number, text("skipped.no_answer")))
            continue
        try:
            responses.append(_survey_response(row.values, columns))
        except (UnclearAnswer, UnknownCode) as error:
            skipped.append(Skipped(row.number, _unreadable_answer(error)))
    if not responses:
        reasons = sorted({s.reason for s in skipped}) or [text("skipped.no_rows")]
        problem = text("file.no_survey_response", reasons="; ".join(reasons))
        raise UnreadableTable(f"{path}: {problem}")
    return SurveyResults(responses, skipped, columns)


def _unreadable_answer(error: UnclearAnswer | UnknownCode) -> str:
    """Why a survey row was skipped: a score off its scale, or an unknown moment code."""
    if isinstance(error, UnclearAnswer):
        return text(
            "skipped.unclear",
            what=error.question,
            answer=repr(error.answer),
            hint=render(error.hint),
        )
    return text("skipped.unknown_moment", value=repr(error.value), allowed=", ".join(error.allowed))


def _survey_response(values: dict[str, str], columns: SurveyColumns) -> SurveyResponse:
    def cell(name: str | None) -> str:
        return (values.get(name) or "").strip() if name else ""

    nps = read_score(cell(columns.nps), 0, 10, "NPS")
    csat = read_score(cell(columns.csat), 1, 5, "CSAT")
    moment_csat = read_score(cell(columns.moment_csat), 1, 5, text("score.moment_csat"))
    stated = parse_mot(cell(columns.moment)) if cell(columns.moment) else None
    answers: list[MomentAnswer] = []
    polarities: dict[str, Polarity | None] = {
        **{c: Polarity.GLORY for c in columns.went_well},
        **{c: Polarity.PAIN for c in columns.went_badly},
        **{c: None for c in columns.comments},
    }
    for column in columns.open:
        said = redact(cell(column))
        polarity = polarities[column]
        if _no_answer(said):
            continue
        result = classify("", said)
        if polarity is None:
            if result.sentiment == "neutral":
                continue
            polarity = Polarity.GLORY if result.sentiment == "positive" else Polarity.PAIN
        answers.append(MomentAnswer(stated or result.mot, polarity, said, moment_csat))
    if stated and moment_csat is not None and not answers:
        answers.append(
            MomentAnswer(
                stated, Polarity.GLORY if moment_csat >= 4 else Polarity.PAIN, "", moment_csat
            )
        )
    return SurveyResponse(nps=nps, csat=csat, answers=tuple(answers))


def _no_answer(said: str) -> bool:
    """What respondents type when they have nothing to say ("-", "n/a", "k.A."): not an answer
    to classify. The words are data per language (`no_comment` in answers.toml), every
    language's at once: a survey file's language is not the chat's."""
    clean = normalise(said).strip(" .!?")
    if not any(c.isalnum() for c in clean):
        return True
    return wordlists.pattern("no_comment").fullmatch(clean) is not None


# --- evidence of a file ---------------------------------------------------------


def records_evidence(analysis: TicketAnalysis) -> list[Evidence]:
    """Service-records evidence of a helpdesk export, per moment and theme (unclassified left out).

    Tickets are grouped by moment and main theme (`bot.core.themes.primary` of
    the ticket's themes), so "rude support" and "the app crashes" stay two
    items; each item counts its negative and positive tickets and quotes the
    group's first negative and first positive ticket (`side_quotes`).
    """
    groups: dict[tuple[Mot, str | None], list[int]] = {}
    for ticket in analysis.tickets:
        if not getattr(ticket, "classified", True):
            continue
        tally = groups.setdefault((ticket.mot, primary(ticket.themes, ticket.mot)), [0, 0, 0])
        tally[0] += 1
        tally[1] += ticket.sentiment == "negative"
        tally[2] += ticket.sentiment == "positive"
    items = []
    for (mot, theme), (count, negative, positive) in sorted(
        groups.items(), key=lambda kv: (MOT_ORDER[kv[0][0]], -kv[1][1], -kv[1][0], kv[0][1] or "")
    ):
        quotes = {
            side: redact(said) for side, said in analysis.group_quotes.get((mot, theme), {}).items()
        }
        items.append(
            Evidence(
                method=Method.RECORDS,
                mot=mot,
                count=count,
                negative=negative,
                positive=positive,
                themes=(theme,) if theme else (),
                theme=theme,
                text=next(iter(quotes.values()), ""),
                details={"side_quotes": quotes} if quotes else {},
            )
        )
    return items


def survey_evidence(summary: SurveySummary, totals: bool = True) -> list[Evidence]:
    """Evidence per moment customers mentioned in a survey, its pain and its praise apart.

    With `totals` (survey results) one more item keeps the file's NPS and CSAT
    answers for the report's metrics (`bot.core.metrics`), counting every
    respondent; the chat survey keeps its scores in `survey_responses` instead.
    """
    items = []
    for mot, feedback in summary.moments.items():
        for polarity, mentions, quotes in (
            (Polarity.PAIN, feedback.negative, feedback.quotes_negative),
            (Polarity.GLORY, feedback.positive, feedback.quotes_positive),
        ):
            if not mentions:
                continue
            items.append(
                Evidence(
                    method=Method.SURVEY,
                    mot=mot,
                    polarity=polarity,
                    count=mentions,
                    negative=mentions if polarity is Polarity.PAIN else 0,
                    positive=mentions if polarity is Polarity.GLORY else 0,
                    csat=feedback.csat,
                    text=quotes[0] if quotes else "",
                    details={"quotes": list(quotes)} if len(quotes) > 1 else {},
                )
            )
        if not feedback.negative and not feedback.positive and feedback.csat is not None:
            items.append(
                Evidence(Method.SURVEY, mot, count=len(feedback.csats), csat=feedback.csat)
            )
    if totals and summary.responses:
        items.append(
            Evidence(
                Method.SURVEY,
                Mot.UMOT,
                count=0,
                details=totals_details(
                    summary.responses,
                    summary.promoters,
                    summary.passives,
                    summary.detractors,
                    summary.csats,
                ),
            )
        )
    return items
