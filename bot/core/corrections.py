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

# A moment named by its code or its name, wherever it stands in a sentence.
_MOMENT_MENTION = re.compile(
    r"\b(lzmot|zmot|fmot|amot|smot|umot|tmot|lmot|less[- ]than[- ]zero|zero moment|"
    r"first moment|actual moment|second moment|ultimate moment|third moment)\b"
)
_MENTION_NAMES = {
    "less than zero": Mot.LZMOT, "less-than-zero": Mot.LZMOT, "zero moment": Mot.ZMOT,
    "first moment": Mot.FMOT, "actual moment": Mot.AMOT, "second moment": Mot.SMOT,
    "ultimate moment": Mot.UMOT, "third moment": Mot.UMOT,
}  # fmt: skip
_GROUP_NUMBER = re.compile(r"(?:\b(?:group|number|no\.?|nr\.?|line|gruppe)\s*|#)?\b([1-9])\b")
_ORDINALS = ("first", "second", "third", "fourth", "fifth", "sixth")
_ORDINAL_GROUP = re.compile(
    rf"\b({'|'.join(_ORDINALS)}|erste|zweite|dritte|vierte|fuenfte|sechste)\s+"
    r"(?:group|one|ones|line|gruppe)\b"
)
_GERMAN_ORDINALS = ("erste", "zweite", "dritte", "vierte", "fuenfte", "sechste")
# Words between the group and where it belongs: "are really about", "should be", "sind eher".
_LINKING = re.compile(
    r"^(?:[-=>:,.→]|\b(?:ones?|tickets?|group|are|is|were|was|really|actually|rather|more|"
    r"mostly|all|should|be|belong|belongs|to|in|into|at|about|under|the|moment|sind|ist|"
    r"eher|gehören|gehoeren|zu|eigentlich|wirklich|go|goes|move|them|they|these|those)\b|\s)+"
)


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
    return _MENTION_NAMES.get(word) or parse_mot(word)


def parse_ticket_correction(said: str, groups: list[Mot]) -> TicketCorrection | None:
    """A correction of one listed group, or None when the answer names no group.

    The group is named by its number in the list or by its moment; where it
    belongs, by a moment's code or name or in plain words ("about returns").
    """
    clean = normalise(said).strip(" .!?")
    if not groups or _only_confirms(clean):
        return None
    mentions = [(m.start(), m.end(), _mention(m)) for m in _MOMENT_MENTION.finditer(clean)]
    source: Mot | None = None
    rest = ""
    listed = [(start, end, mot) for start, end, mot in mentions if mot in groups]
    number = _GROUP_NUMBER.search(clean)
    ordinal = _ORDINAL_GROUP.search(clean)
    position = int(number.group(1)) if number else None
    if ordinal:  # "the third group": before any digit, since it names the group in words
        word = ordinal.group(1)
        position = (
            _ORDINALS.index(word) if word in _ORDINALS else _GERMAN_ORDINALS.index(word)
        ) + 1
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
    rest = _LINKING.sub("", rest).strip(" .!?")
    named = next((m for m in (_mention(x) for x in _MOMENT_MENTION.finditer(rest))), None)
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

_ROLES: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("nps", re.compile(r"\b(nps|net promoter|recommend\w*|empfehl\w*|weiterempfehl\w*)\b")),
    ("csat", re.compile(r"\b(csat|satisf\w*|zufrieden\w*|rating|score)\b")),
    ("text", re.compile(
        r"\b(comments?|open answers?|open|text|free ?text|feedback|kommentare?|freitext|"
        r"anmerkungen?)\b"
    )),
)  # fmt: skip
_COLUMN_NUMBER = re.compile(
    r"\b(?:column|col|spalte|nr\.?|no\.?|number)\s*(\d{1,3})\b|#\s*(\d{1,3})\b", re.IGNORECASE
)
_QUOTES = "'\"\u2018\u2019\u201c\u201d\u201e\u00ab\u00bb"
_QUOTED = re.compile(f"[{_QUOTES}]([^{_QUOTES}]{{1,200}})[{_QUOTES}]")
_COLUMN_LINKING = re.compile(
    r"^(?:[-=>:,.→←]|\b(?:is|are|in|at|from|the|column|col|spalte|ist|sind|steht|stehen|use|"
    r"should|be|take|nimm|im|in der|der|die|das)\b|\s)+"
)


def _header_named(said: str, headers: list[str]) -> str:
    """The one header a phrase names: its number, its quoted text, or a unique part of it."""
    number = _COLUMN_NUMBER.search(said)
    if number:
        index = int(number.group(1) or number.group(2))
        if 1 <= index <= len(headers):
            return headers[index - 1]
        raise UnclearAnswer("survey_columns", said, say("column_number", count=len(headers)))
    quoted = _QUOTED.search(said)
    phrase = quoted.group(1) if quoted else _COLUMN_LINKING.sub("", said)
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
    for part in re.split(r";|,(?=[^'\"]*(?:$|['\"][^'\"]*['\"]))|\band\b|\bund\b", clean):
        part = part.strip()
        lowered = part.lower()
        for role, pattern in _ROLES:
            match = pattern.search(lowered)
            if match is None:
                continue
            # The column is named after the role word ("NPS is column 4") or before it.
            after = part[match.end() :]
            target = after if after.strip(" .:=→-") else part[: match.start()]
            found[role] = _header_named(target, headers)
            break
    if found:
        return found
    if _COLUMN_NUMBER.search(clean) or _QUOTED.search(clean):
        raise UnclearAnswer("survey_columns", said, say("column_role"))
    return None
