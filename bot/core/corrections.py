"""The team correcting what the bot read from a file: ticket groups and survey columns.

After a helpdesk export the bot lists the moments it found, numbered; the team
may say "2 are about returns" or "no, the AMOT ones are really SMOT". After a
survey export it shows the columns it used; the team may say "NPS is column 4"
or "comments: What could we improve?". Both are read here, without any I/O;
the adapter re-reads the file with what was corrected.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.core import wordlists
from bot.core.answers import recognise_moment
from bot.core.errors import UnclearAnswer
from bot.core.taxonomy import Mot, parse_mot
from bot.core.texts import say
from bot.core.tickets import normalise

# The words of a correction ("group 2", "die zweite Gruppe", "are really about", "Spalte 4")
# are data per language (bot/locale/<lang>/answers.toml: [moments], [ordinals], group_*,
# column_*), every language's at once: a file and the team's answer need not share a language.
_CODES = "lzmot|zmot|fmot|amot|smot|umot|tmot|lmot"  # the moments' codes, the same everywhere


def _words(name: str) -> str:
    return wordlists.pattern(name).pattern


def _moment_mentions() -> re.Pattern[str]:
    """A moment named by its code or its name, wherever it stands in a sentence."""
    names = sorted(wordlists.understood().moments, key=len, reverse=True)
    return re.compile(rf"\b({'|'.join([_CODES, *map(re.escape, names)])})\b")


def _group_number() -> re.Pattern[str]:
    return re.compile(rf"(?:\b(?:{_words('group_number')})\s*|#)?\b([1-9])\b")


def _ordinal_group() -> re.Pattern[str]:
    """A listed group named by its place ("the third group", "die zweite Gruppe")."""
    places = sorted(wordlists.understood().ordinals, key=len, reverse=True)
    if not places:
        return re.compile(r"(?!)")
    return re.compile(rf"\b({'|'.join(map(re.escape, places))})\s+(?:{_words('group_noun')})\b")


def _linking() -> re.Pattern[str]:
    """Words between the group and where it belongs: "are really about", "sind eher"."""
    return re.compile(rf"^(?:[-=>:,.→]|\b(?:{_words('group_link')})\b|\s)+")


def _only_confirms(clean: str) -> bool:
    """'yes', 'that matches', 'passt': the answer corrects nothing (it may go on: 'yes, all')."""
    return re.fullmatch(rf"{wordlists.pattern('confirmed').pattern}\b.*", clean) is not None


@dataclass(frozen=True)
class TicketCorrection:
    """Tickets read as `source` belong to `target` (`confident`: named, not guessed)."""

    source: Mot
    target: Mot
    confident: bool = True

    def as_answer(self) -> dict[str, str]:
        return {"from": self.source.value, "to": self.target.value}


def _mention(match: re.Match[str]) -> Mot:
    word = match.group(1)
    return parse_mot(wordlists.understood().moments.get(word, word))


def parse_ticket_correction(said: str, groups: list[Mot]) -> TicketCorrection | None:
    """A correction of one listed group, or None when the answer names no group.

    The group is named by its number in the list or by its moment; where it
    belongs, by a moment's code or name or in plain words ("about returns").
    """
    clean = normalise(said).strip(" .!?")
    if not groups or _only_confirms(clean):
        return None
    moments = _moment_mentions()
    mentions = [(m.start(), m.end(), _mention(m)) for m in moments.finditer(clean)]
    source: Mot | None = None
    rest = ""
    listed = [(start, end, mot) for start, end, mot in mentions if mot in groups]
    number = _group_number().search(clean)
    ordinal = _ordinal_group().search(clean)
    position = int(number.group(1)) if number else None
    if ordinal:  # "the third group": before any digit, since it names the group in words
        position = wordlists.understood().ordinals[ordinal.group(1)]
        number = ordinal
    if (
        number
        and position is not None
        and 1 <= position <= len(groups)
        and (not listed or number.start() < listed[0][0])
    ):
        source, rest = groups[position - 1], clean[number.end() :]
    if source is None and listed:
        _, end, source = listed[0]
        rest = clean[end:]
    if source is None:
        return None
    if (
        mentions
        and mentions[0][2] not in groups
        and not (number and number.start() < mentions[0][0])
    ):
        raise UnclearAnswer(
            "ticket_correction",
            said,
            say("correct_not_listed", code=mentions[0][2].value.upper(),
                 listed=", ".join(f"{n} {m.value.upper()}" for n, m in enumerate(groups, 1))),
        )  # fmt: skip
    rest = _linking().sub("", rest).strip(" .!?")
    named = next((m for m in (_mention(x) for x in moments.finditer(rest))), None)
    if named is not None and named is not source:
        return TicketCorrection(source, named)
    code = source.value.upper()
    if named is source:
        raise UnclearAnswer("ticket_correction", said, say("correct_same", code=code))
    if not rest:
        raise UnclearAnswer("ticket_correction", said, say("correct_where", code=code))
    try:
        placed = recognise_moment(rest)
    except UnclearAnswer:
        raise UnclearAnswer("ticket_correction", said, say("correct_where", code=code)) from None
    if placed.mot is source:
        raise UnclearAnswer("ticket_correction", said, say("correct_same", code=code))
    return TicketCorrection(source, placed.mot, placed.confident)


# --- survey columns ---------------------------------------------------------------

_ROLES = ("nps", "csat", "text")  # each named by the words of its pattern column_<role>
_QUOTES = "'\"\u2018\u2019\u201c\u201d\u201e\u00ab\u00bb"
_QUOTED = re.compile(f"[{_QUOTES}]([^{_QUOTES}]{{1,200}})[{_QUOTES}]")


def _column_number() -> re.Pattern[str]:
    return re.compile(
        rf"\b(?:{_words('column_number')})\s*(\d{{1,3}})\b|#\s*(\d{{1,3}})\b", re.IGNORECASE
    )


def _column_linking() -> re.Pattern[str]:
    return re.compile(rf"^(?:[-=>:,.→←]|\b(?:{_words('column_link')})\b|\s)+")


def _header_named(said: str, headers: list[str]) -> str:
    """The one header a phrase names: its number, its quoted text, or a unique part of it."""
    number = _column_number().search(said)
    if number:
        index = int(number.group(1) or number.group(2))
        if 1 <= index <= len(headers):
            return headers[index - 1]
        raise UnclearAnswer("survey_columns", said, say("column_number", count=len(headers)))
    quoted = _QUOTED.search(said)
    phrase = quoted.group(1) if quoted else _column_linking().sub("", said)
    wanted = " ".join(phrase.lower().split()).strip(" .!?:")
    if not wanted:
        raise UnclearAnswer("survey_columns", said, say("column_which"))
    exact = [h for h in headers if " ".join(h.lower().split()) == wanted]
    if len(exact) == 1:
        return exact[0]
    partial = [h for h in headers if wanted in " ".join(h.lower().split())]
    if len(partial) == 1:
        return partial[0]
    if not partial:
        raise UnclearAnswer("survey_columns", said, say("column_unknown", said=phrase.strip()))
    raise UnclearAnswer("survey_columns", said, say("column_several", said=phrase.strip()))


def parse_column_corrections(said: str, headers: list[str]) -> dict[str, str] | None:
    """{"nps"|"csat"|"text": header} from "NPS is column 4; comments: 'What could we improve?'".

    None when the answer corrects nothing (a plain yes or no is the caller's).
    Each part separated by ";", "," or "and" names one role and one column.
    """
    clean = " ".join(said.split()).strip()
    if not clean or _only_confirms(normalise(clean).strip(" .!")):
        return None
    found: dict[str, str] = {}
    parts = re.split(rf";|,(?=[^'\"]*(?:$|['\"][^'\"]*['\"]))|\b(?:{_words('and')})\b", clean)
    for part in parts:
        part = part.strip()
        lowered = part.lower()
        for role in _ROLES:
            match = wordlists.anywhere(f"column_{role}").search(lowered)
            if match is None:
                continue
            # The column is named after the role word ("NPS is column 4") or before it.
            after = part[match.end() :]
            target = after if after.strip(" .:=→-") else part[: match.start()]
            found[role] = _header_named(target, headers)
            break
    if found:
        return found
    if _column_number().search(clean) or _QUOTED.search(clean):
        raise UnclearAnswer("survey_columns", said, say("column_role"))
    return None
