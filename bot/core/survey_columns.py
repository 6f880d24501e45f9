"""Which columns of a survey export hold what: recognised by meaning and by content.

The usual tools (Google Forms, Typeform, SurveyMonkey, QuestionPro, Microsoft
Forms, German tools) put the question texts in the headers, add metadata
columns (timestamps, ids, emails, names, IP addresses) and write scale answers
as numbers or as labels ("10 - Extremely likely", "sehr zufrieden"). This
module decides, from the headers and a sample of the values, which column is
the NPS question, which the overall satisfaction (CSAT), which the open
answers, and which are metadata that is ignored and never stored.

Plain Python, no I/O: the caller reads the file (bot.tables) and passes the
headers and sample values in.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from statistics import mean

from bot.core.errors import UnclearAnswer, UnknownCode
from bot.core.surveys import parse_score
from bot.core.taxonomy import parse_mot
from bot.core.texts import text


def fold(value: str) -> str:
    """Lower case, no accents or punctuation: "Äußerst wahr!" -> "ausserst wahr"."""
    decomposed = unicodedata.normalize("NFKD", value)
    plain = "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()
    return " ".join(re.sub(r"[^\w#]+", " ", plain).replace("_", " ").split())


# --- what a header means ---------------------------------------------------

# Matched against the folded header (see `fold`): words in English and German.
_NPS_HEADER = re.compile(
    r"\bnps\b|net promoter|recommend|weiterempf|empfehlen|empfehlung|\bempfiehlst"
)
_CSAT_HEADER = re.compile(r"\bcsat\b|satisf|zufrieden|rate your (overall )?experience")
_OVERALL = re.compile(r"overall|in general|insgesamt|gesamt|allgemein|alles in allem")
_WELL_HEADER = re.compile(
    r"like most|liked|did you like|enjoy|went well|(did|do|doing|worked) well|what was good|"
    r"best thing|positive|"
    r"\bloved?\b|gefallen|gefallt|gefiel|lief gut|was war gut|am besten|positiv|\bgut\b"
)
_BADLY_HEADER = re.compile(
    r"better|improve|went badly|dislike|negative|\bbad\b|annoy|frustrat|problem|missed|"
    r"\bworst\b|besser|verbesser|schlecht|gestort|negativ|vermisst|argert|stort"
)
_COMMENT_HEADER = re.compile(
    r"comment|feedback|anything else|remark|other thoughts|\bwhy\b|reason|\bopen\b|"
    r"kommentar|anmerkung|bemerkung|sonst noch|\bwarum\b|\bgrund\b|mitteilen|"
    r"^text$|^answer$|^antwort$"
)
_MOMENT_HEADER = re.compile(
    r"^(moment|mot|moment of truth|moment code)$|which moment|welcher moment|welchen moment"
)
_MOMENT_CSAT_HEADER = re.compile(r"^moment (csat|satisfaction|rating)$")
# Metadata: never read, never stored. Matched against short headers only, so a
# question such as "How satisfied were you with the delivery time?" is kept.
_METADATA_HEADER = re.compile(
    r"^#$|\bids?\b|\buuid\b|token|timestamp|zeitstempel|\btime\b|\bdate\b|datum|\bzeit\b|"
    r"startzeit|endzeit|uhrzeit|submitted|submit|completion|completed|abgeschlossen|"
    r"last modified|created|updated|e ?mail|\bmail\b|\bname\b|vorname|nachname|"
    r"\bip\b|ip address|ip adresse|network|user agent|browser|device|geraet|\bphone\b|telefon|"
    r"collector|respondent|teilnehmer|participant|custom (data|variable)|duplicate|"
    r"response status|status|time taken|seq number|external reference|referer|referrer|"
    r"language|sprache|location|country|\bland\b|\bcity\b|\btags?\b|hidden|\butm\b|quota|panel"
)
# Ticket-export columns: a numeric priority is not a satisfaction score.
_NOT_A_QUESTION = re.compile(
    r"priority|prioritat|group|gruppe|assignee|agent|requester|type|typ|channel|kanal|via|"
    r"subject|betreff|description|beschreibung|ticket|severity|category|kategorie|count|anzahl"
)

# --- what a value means ----------------------------------------------------

# Scale labels the tools write instead of (or after) the number; folded.
NPS_LABELS = {
    "extremely likely": 10,
    "ausserst wahrscheinlich": 10,
    "sehr wahrscheinlich": 10,
    "auf jeden fall": 10,
    "not at all likely": 0,
    "not likely at all": 0,
    "extremely unlikely": 0,
    "uberhaupt nicht wahrscheinlich": 0,
    "ausserst unwahrscheinlich": 0,
    "gar nicht wahrscheinlich": 0,
}
CSAT_LABELS = {
    "very satisfied": 5,
    "extremely satisfied": 5,
    "completely satisfied": 5,
    "satisfied": 4,
    "somewhat satisfied": 4,
    "mostly satisfied": 4,
    "neither satisfied nor dissatisfied": 3,
    "neutral": 3,
    "somewhat dissatisfied": 2,
    "dissatisfied": 2,
    "unsatisfied": 2,
    "very dissatisfied": 1,
    "extremely dissatisfied": 1,
    "very unsatisfied": 1,
    "sehr zufrieden": 5,
    "ausserst zufrieden": 5,
    "vollkommen zufrieden": 5,
    "zufrieden": 4,
    "eher zufrieden": 4,
    "weder zufrieden noch unzufrieden": 3,
    "weder noch": 3,
    "teils teils": 3,
    "teils zufrieden": 3,
    "eher unzufrieden": 2,
    "unzufrieden": 2,
    "sehr unzufrieden": 1,
    "ausserst unzufrieden": 1,
    "vollkommen unzufrieden": 1,
}
_LEADING_NUMBER = re.compile(r"^\s*(\d{1,2})(?:[.,]0+)?\s*(?:$|[-\u2013\u2014:=(/]|\s+[^\d\s])")
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_IP = re.compile(r"^\d{1,3}(?:\.\d{1,3}){3}$|^[0-9a-f]{0,4}(?::[0-9a-f]{0,4}){2,7}$", re.I)
_DATE = re.compile(
    r"^\d{1,4}[-./]\d{1,2}[-./]\d{1,4}(?:[ t,]+\d{1,2}:\d{2}(?::\d{2})?(?:\.\d+)?"
    r"\s*(?:am|pm|z|utc|[+-]\d{2}:?\d{2})?)?$|^\d{1,2}:\d{2}(?::\d{2})?$",
    re.I,
)
_INTEGER = re.compile(r"^\d+(?:[.,]0+)?$")
_UUID_OR_TOKEN = re.compile(r"^(?=.*\d)[0-9a-z_-]{12,}$", re.I)


def read_score(value: str | None, low: int, high: int, what: str) -> int | None:
    """A scale answer as the number it stands for: "9", "10 - Extremely likely", "sehr zufrieden".

    None for an empty cell; UnclearAnswer for anything else that is not on the scale.
    """
    if value is None or not value.strip():
        return None
    labels = NPS_LABELS if high == 10 else CSAT_LABELS
    folded = fold(value)
    if folded in labels:
        return labels[folded]
    leading = _LEADING_NUMBER.match(value)
    if leading and leading.group(0).strip() != value.strip():
        return parse_score(leading.group(1), low, high, what)
    return parse_score(value, low, high, what)


def redact(text: str) -> str:
    """Open answers are quoted in reports: an email address someone typed is not."""
    return _EMAIL.sub("[email]", text)


# --- profiling a column ----------------------------------------------------


@dataclass(frozen=True)
class Profile:
    """What a sample of a column's values looks like."""

    filled: int = 0
    nps_scores: int = 0  # values readable as 0-10
    csat_scores: int = 0  # values readable as 1-5
    above_five: int = 0
    integers: int = 0
    moments: int = 0  # values that are moment codes
    metadata: int = 0  # emails, dates, IP addresses, tokens
    texts: int = 0  # values that are prose (letters, several words)
    distinct: int = 0
    mean_words: float = 0.0

    def share(self, count: int) -> float:
        return count / self.filled if self.filled else 0.0


def profile(values: Iterable[str]) -> Profile:
    filled = [v.strip() for v in values if v and v.strip()]
    if not filled:
        return Profile()
    nps = csat = above = integers = moments = metadata = texts = 0
    for value in filled:
        nps_score = _score_or_none(value, 0, 10)
        if nps_score is not None:
            nps += 1
            above += nps_score > 5
        csat += _score_or_none(value, 1, 5) is not None
        integers += bool(_INTEGER.match(value))
        moments += _is_moment(value)
        if _is_metadata_value(value):
            metadata += 1
        elif sum(c.isalpha() for c in value) >= 3 and nps_score is None:
            texts += 1
    return Profile(
        filled=len(filled),
        nps_scores=nps,
        csat_scores=csat,
        above_five=above,
        integers=integers,
        moments=moments,
        metadata=metadata,
        texts=texts,
        distinct=len(set(filled)),
        mean_words=mean(len(v.split()) for v in filled),
    )


def _is_metadata_value(value: str) -> bool:
    """An email, IP address, date or time, or an id/token (letters and digits, no spaces)."""
    if _EMAIL.fullmatch(value) or _IP.match(value) or _DATE.match(value):
        return True
    return bool(_UUID_OR_TOKEN.match(value)) and " " not in value


def _score_or_none(value: str, low: int, high: int) -> int | None:
    try:
        return read_score(value, low, high, "score")
    except UnclearAnswer:
        return None


def _is_moment(value: str) -> bool:
    try:
        parse_mot(value)
    except UnknownCode:
        return False
    return True


# Shares of a column's filled sample that make it one kind or another. A column
# its header names needs only most values on the scale (the others are skipped
# row by row, with the reason); by content alone nearly all must be.
SCORE_SHARE = 0.9
NAMED_SCORE_SHARE = 0.5
TEXT_SHARE = 0.6


def _fits_nps(p: Profile, share: float = SCORE_SHARE) -> bool:
    return p.filled > 0 and p.share(p.nps_scores) >= share


def _fits_csat(p: Profile, share: float = SCORE_SHARE) -> bool:
    return p.filled > 0 and p.share(p.csat_scores) >= share


def _fits_text(p: Profile) -> bool:
    return p.filled > 0 and p.share(p.texts) >= TEXT_SHARE


def _looks_open(p: Profile) -> bool:
    """Free text by content alone: prose, mostly different, not a short choice or a name."""
    return _fits_text(p) and p.mean_words >= 3 and p.distinct >= max(2, 0.5 * p.filled)


# --- the mapping -----------------------------------------------------------


@dataclass(frozen=True)
class SurveyColumns:
    """The columns read from a survey export; every other column is left unread."""

    nps: str | None = None
    csat: str | None = None
    moment: str | None = None
    moment_csat: str | None = None
    went_well: tuple[str, ...] = ()
    went_badly: tuple[str, ...] = ()
    comments: tuple[str, ...] = ()
    ignored: tuple[str, ...] = ()  # metadata: timestamps, ids, emails, names, ...
    order: tuple[str, ...] = field(default=(), compare=False)  # the file's column order

    @property
    def open(self) -> list[str]:
        """The open-answer columns in the file's order."""
        chosen = {*self.went_well, *self.went_badly, *self.comments}
        ordered = [c for c in self.order if c in chosen]
        return ordered + [c for c in (*self.went_well, *self.went_badly, *self.comments)
                          if c not in ordered]  # fmt: skip

    @property
    def used(self) -> list[str]:
        scores = [c for c in (self.nps, self.csat, self.moment, self.moment_csat) if c]
        return scores + self.open

    def to_dict(self) -> dict[str, object]:
        mapping: dict[str, object] = {"nps": self.nps, "csat": self.csat, "open": self.open}
        if self.moment:
            mapping["moment"] = self.moment
        if self.moment_csat:
            mapping["moment_csat"] = self.moment_csat
        return mapping


class SurveyColumnsError(ValueError):
    """No usable mapping: the message says what was found and how to name the columns.

    The message is for the user (in the conversation's language): the CLI prints it,
    the chat shows it with the command line's options replaced (`how_to_name`).
    """


@dataclass(frozen=True)
class Overrides:
    nps: str | None = None
    csat: str | None = None
    text: tuple[str, ...] = ()


def shorten(header: str, width: int = 80) -> str:
    header = " ".join(header.split())
    return header if len(header) <= width else header[: width - 1].rstrip() + "…"


def _quoted(headers: Iterable[str]) -> str:
    return ", ".join(f"'{shorten(h, 50)}'" for h in headers)


def how_to_name() -> str:
    """How the command line names the columns: "name them with --nps-column, ..."."""
    return text("columns.how_to_name")


def name_one(flag: str) -> str:
    """How the command line picks one of several fitting columns: "name the one to use with ..."."""
    return text("columns.name_one", flag=flag)


def _pick(headers: Sequence[str], wanted: str, flag: str) -> str:
    """The header an override names: exactly (ignoring case), or the only one containing it."""
    key = fold(wanted)
    exact = [h for h in headers if fold(h) == key]
    if exact:
        return exact[0]
    containing = [h for h in headers if key and key in fold(h)]
    if len(containing) == 1:
        return containing[0]
    if containing:
        raise SurveyColumnsError(
            text("columns.several", flag=flag, wanted=repr(wanted), columns=_quoted(containing))
        )
    raise SurveyColumnsError(
        text("columns.not_found", flag=flag, wanted=repr(wanted), columns=_quoted(headers))
    )


def _is_metadata(header: str, p: Profile) -> bool:
    folded = fold(header)
    if not folded:
        return True  # a column without a name is a note beside the table
    meaning = (_NPS_HEADER, _CSAT_HEADER, _WELL_HEADER, _BADLY_HEADER, _COMMENT_HEADER)
    if (
        len(folded.split()) <= 6
        and _METADATA_HEADER.search(folded)
        and not any(m.search(folded) for m in meaning)
    ):
        return True
    return p.filled > 0 and p.share(p.metadata) >= 0.8


def _open_kind(header: str) -> str:
    folded = fold(header)
    if _BADLY_HEADER.search(folded):
        return "badly"
    if _WELL_HEADER.search(folded):
        return "well"
    return "comment"


def recognise(
    headers: Sequence[str],
    samples: Mapping[str, Sequence[str]],
    overrides: Overrides | None = None,
) -> SurveyColumns:
    """The survey columns of an export, from its headers and a sample of each column's values.

    Header meaning comes first (English and German question texts); a column is
    only taken for a score when its values fit the scale. Columns the headers do
    not explain are recognised by content: whole numbers 0-10 with some above 5
    are an NPS candidate, 1-5 a CSAT candidate, prose an open answer. Metadata
    (timestamps, ids, emails, names, IP addresses) is never taken.
    Raises SurveyColumnsError when nothing fits or two columns fit equally well.
    """
    overrides = overrides or Overrides()
    profiles = {h: profile(samples.get(h, ())) for h in headers}
    ignored = [h for h in headers if _is_metadata(h, profiles[h])]
    chosen: dict[str, str | None] = {}
    for role, wanted, flag in (
        ("nps", overrides.nps, "--nps-column"),
        ("csat", overrides.csat, "--csat-column"),
    ):
        chosen[role] = _pick(headers, wanted, flag) if wanted else None
        named = chosen[role]
        fits = _fits_nps if role == "nps" else _fits_csat
        if named is not None and not fits(profiles[named], NAMED_SCORE_SHARE):
            # A column named for a score must hold that score, or the figure is made up.
            scale = "0-10" if role == "nps" else "1-5"
            raise SurveyColumnsError(
                text("columns.not_scores", flag=flag, column=repr(shorten(named, 60)), scale=scale)
            )
    texts = [_pick(headers, t, "--text-column") for t in overrides.text]
    taken = {c for c in (*chosen.values(), *texts) if c}
    ignored = [h for h in ignored if h not in taken]
    free = [h for h in headers if h not in ignored and h not in taken]

    def header_matches(pattern: re.Pattern[str]) -> list[str]:
        return [h for h in free if pattern.search(fold(h))]

    moment = next(
        (
            h
            for h in header_matches(_MOMENT_HEADER)
            if profiles[h].share(profiles[h].moments) >= 0.8
        ),
        None,
    )
    if moment is None:  # by content: a column of moment codes, whatever its header
        moment = next(
            (
                h
                for h in free
                if profiles[h].filled >= 2 and profiles[h].share(profiles[h].moments) >= SCORE_SHARE
            ),
            None,
        )
    moment_csat = next(
        (
            h
            for h in header_matches(_MOMENT_CSAT_HEADER)
            if _fits_csat(profiles[h], NAMED_SCORE_SHARE)
        ),
        None,
    )
    free = [h for h in free if h not in (moment, moment_csat)]

    if chosen["nps"] is None:
        by_header = [
            h for h in header_matches(_NPS_HEADER) if _fits_nps(profiles[h], NAMED_SCORE_SHARE)
        ]
        # A derived column beside the score (Qualtrics' "... - Group": 1 detractor,
        # 2 passive, 3 promoter) never goes above 5: the score column does.
        spread = [h for h in by_header if profiles[h].above_five > 0]
        chosen["nps"] = _one("NPS", "--nps-column", spread or by_header, headers, ignored)
    free = [h for h in free if h != chosen["nps"]]
    if chosen["csat"] is None:
        by_header = [
            h for h in header_matches(_CSAT_HEADER) if _fits_csat(profiles[h], NAMED_SCORE_SHARE)
        ]
        overall = [h for h in by_header if _OVERALL.search(fold(h))]
        chosen["csat"] = _one("CSAT", "--csat-column", overall or by_header, headers, ignored)
    free = [h for h in free if h != chosen["csat"]]

    # By content, for what the headers did not name.
    numeric = [
        h
        for h in free
        if not _NOT_A_QUESTION.search(fold(h))
        and not _fits_text(profiles[h])
        and profiles[h].share(profiles[h].integers) >= SCORE_SHARE
        and profiles[h].filled >= 2
    ]
    if chosen["nps"] is None:
        candidates = [h for h in numeric if _fits_nps(profiles[h]) and profiles[h].above_five > 0]
        chosen["nps"] = _one("NPS", "--nps-column", candidates, headers, ignored)
        free = [h for h in free if h != chosen["nps"]]
    if chosen["csat"] is None:
        candidates = [
            h
            for h in numeric + [h for h in free if _is_label_column(profiles[h])]
            if h != chosen["nps"] and _fits_csat(profiles[h])
        ]
        chosen["csat"] = _one("CSAT", "--csat-column", list(dict.fromkeys(candidates)),
                              headers, ignored)  # fmt: skip
        free = [h for h in free if h != chosen["csat"]]

    if not texts:
        by_header = [
            h
            for h in free
            if _fits_text(profiles[h])
            and (
                _WELL_HEADER.search(fold(h))
                or _BADLY_HEADER.search(fold(h))
                or _COMMENT_HEADER.search(fold(h))
                or _NPS_HEADER.search(fold(h))  # "Why would you (not) recommend us?"
                or _CSAT_HEADER.search(fold(h))
            )
        ]
        by_content = [
            h
            for h in free
            if h not in by_header
            and not _NOT_A_QUESTION.search(fold(h))
            and _looks_open(profiles[h])
        ]
        texts = by_header + by_content
        header_named_open = bool(by_header)
    else:
        header_named_open = True

    kinds = {t: _open_kind(t) for t in texts}
    columns = SurveyColumns(
        nps=chosen["nps"],
        csat=chosen["csat"],
        moment=moment,
        moment_csat=moment_csat,
        went_well=tuple(t for t in texts if kinds[t] == "well"),
        went_badly=tuple(t for t in texts if kinds[t] == "badly"),
        comments=tuple(t for t in texts if kinds[t] == "comment"),
        ignored=tuple(ignored),
        order=tuple(headers),
    )
    # Prose alone does not make a survey (a helpdesk export has prose too): it
    # needs a score, a moment, or open questions its headers name.
    if not (columns.nps or columns.csat or columns.moment or header_named_open):
        raise SurveyColumnsError(
            text("columns.none", found=_found(headers, ignored), how=how_to_name())
        )
    return columns


def _is_label_column(p: Profile) -> bool:
    """A column of satisfaction labels ("sehr zufrieden", "Very satisfied")."""
    return p.filled > 0 and p.share(p.csat_scores) >= SCORE_SHARE and p.integers == 0


def _found(headers: Sequence[str], ignored: Sequence[str]) -> str:
    shown = [h for h in headers if h not in ignored][:12]
    found = _quoted(shown) if shown else text("columns.only_metadata")
    if ignored:
        return text("columns.found_and_ignored", found=found, ignored=_quoted(ignored[:8]))
    return found


def _one(
    what: str, flag: str, candidates: list[str], headers: Sequence[str], ignored: Sequence[str]
) -> str | None:
    if len(candidates) <= 1:
        return candidates[0] if candidates else None
    raise SurveyColumnsError(
        text("columns.ambiguous", count=len(candidates), what=what, columns=_quoted(candidates),
             name_one=name_one(flag), found=_found(headers, ignored))
    )  # fmt: skip


def describe(columns: SurveyColumns) -> str:
    """The mapping in one line: "NPS ← 'How likely…', CSAT ← '…', open answers ← '…'"."""
    parts = []
    for role, column in (("nps", columns.nps), ("csat", columns.csat), ("moment", columns.moment)):
        if column:
            parts.append(text(f"columns.{role}", column=f"'{shorten(column)}'"))
    if columns.open:
        listed = ", ".join(f"'{shorten(c)}'" for c in columns.open)
        parts.append(text("columns.open", column=listed))
    return ", ".join(parts) or text("columns.nothing")
