"""The ticket classifier: which moment of truth each ticket is about, and how it feels.

Two parts for English and German helpdesk tickets:
- a transparent lexicon of cue words per moment and per feeling
  (`bot.core.lexicon`), built from the moment definitions in
  shared/domain.md; every cue that fires can be shown, and it needs no
  labelled data;
- the trained model of `bot.core.ticket_model` (word and character n-grams,
  with the cue scores as extra features), learnt from a labelled corpus of
  many industries written by people who never saw the cues, so the decision
  carries over to businesses the cues were not written against.

Its calibrated probability is the ticket's confidence; below the model's
threshold a ticket is `unclassified` (not a moment) instead of being guessed.
Without a trained model the cues decide alone. A session's corrections
("no, these are about returns") give a retrained classifier (`retrain_with`).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from functools import cache
from typing import Literal

from bot.core import ticket_model
from bot.core.lexicon import (
    MOT_CUES,
    NEGATIONS,
    NEGATIVE,
    POSITIVE,
    STAGE_CUES,
    THEME_CUES,
    UMLAUTS,
)
from bot.core.taxonomy import MOMENTS, Mot, Stage
from bot.core.themes import primary


def normalise(text: str) -> str:
    """The form every cue is written for: lower case, umlauts spelled out, single spaces."""
    return " ".join(text.translate(UMLAUTS).lower().replace("\u2019", "'").split())


def _compile(patterns: Iterable[str]) -> re.Pattern[str]:
    return re.compile(r"\b(?:" + "|".join(f"(?:{p})" for p in patterns) + ")")


# `_CueSet` looks a literal up by its first three letters among the ticket's.
_SHORTEST_LITERAL = 3


def required_literals(pattern: str) -> tuple[str, ...] | None:
    """Plain texts of which every match of `pattern` contains at least one (None: unknown).

    A cheap `in` test on them skips most regex searches: same results, far
    faster. The pattern is read by `_LiteralReader`, which knows the plain
    regex syntax the lexicon is written in; a pattern with anything else
    (inline flags, escapes it does not know) gives None and is always searched.
    """
    reader = _LiteralReader(pattern)
    try:
        literals = reader.alternation()
    except _UnknownSyntax:
        return None
    return literals if reader.at == len(pattern) else None


class _UnknownSyntax(Exception):
    """Syntax `_LiteralReader` does not read: the pattern's literals stay unknown."""


_ZERO_WIDTH_ESCAPES = frozenset("bBAZ")
_CLASS_ESCAPES = frozenset("dDwWsS")
_LOOKAROUNDS = ("(?=", "(?!", "(?<=", "(?<!")
# What a part of a pattern matches: one known character, nothing (`\b`, a
# lookaround), one unknown character (a class, `.`, `\w`), or a group.
_PartKind = Literal["char", "zero-width", "class", "group"]


class _LiteralReader:
    """A recursive-descent reader of regex syntax that yields each part's required literals.

    Each reading method returns the literals of which every match of the part
    contains one (None: none known). A sequence keeps its strongest literal
    set: that of a run of plain characters, of a group or of a repeat of at
    least one; an alternation needs one from every branch. Zero-width parts
    (`\\b`, lookarounds) leave a run whole: the characters around them are
    adjacent in every match. Anything that matches unknown text (a class, `.`,
    `\\w`, an optional part) ends a run.
    """

    def __init__(self, pattern: str) -> None:
        self.pattern = pattern
        self.at = 0

    def alternation(self) -> tuple[str, ...] | None:
        branches = [self.sequence()]
        while self.pattern.startswith("|", self.at):
            self.at += 1
            branches.append(self.sequence())
        if any(branch is None for branch in branches):
            return None
        return _without_longer(text for branch in branches if branch for text in branch)

    def sequence(self) -> tuple[str, ...] | None:
        options: list[tuple[str, ...]] = []
        run = ""
        while self.at < len(self.pattern) and self.pattern[self.at] not in "|)":
            kind, literals = self.atom()
            least = self.repeat_least()
            if kind == "zero-width":
                if least is not None:
                    raise _UnknownSyntax(self.pattern)
                continue
            if kind == "char" and least is None and literals:
                run += literals[0]
                continue
            options.append((run,))
            run = ""
            if literals and (least is None or least >= 1):
                options.append(literals)
        options.append((run,))
        useful = [o for o in options if min(len(text) for text in o) >= _SHORTEST_LITERAL]
        return max(useful, key=_strength) if useful else None

    def atom(self) -> tuple[_PartKind, tuple[str, ...] | None]:
        """The next part: its kind and its literals (a char's is itself)."""
        pattern, at = self.pattern, self.at
        char = pattern[at]
        if char == "(":
            return self.group()
        if char == "[":
            self.skip_class()
            return "class", None
        self.at += 1
        if char == "\\":
            if self.at == len(pattern):
                raise _UnknownSyntax(pattern)
            escaped = pattern[self.at]
            self.at += 1
            if escaped in _ZERO_WIDTH_ESCAPES:
                return "zero-width", None
            if escaped in _CLASS_ESCAPES:
                return "class", None
            if escaped.isascii() and not escaped.isalnum():
                return "char", (escaped,)
            raise _UnknownSyntax(pattern)
        if char in "^$":
            return "zero-width", None
        if char == ".":
            return "class", None
        if char in "*+?{":
            raise _UnknownSyntax(pattern)  # a repeat of nothing, or a literal brace
        return "char", (char,)

    def group(self) -> tuple[_PartKind, tuple[str, ...] | None]:
        pattern = self.pattern
        lookaround = next((p for p in _LOOKAROUNDS if pattern.startswith(p, self.at)), None)
        if lookaround:
            self.at += len(lookaround)
            self.alternation()  # it may look at text outside the match
            kind: _PartKind = "zero-width"
            literals = None
        else:
            if pattern.startswith("(?:", self.at):
                self.at += 3
            elif pattern.startswith("(?P<", self.at) and ">" in pattern[self.at :]:
                self.at = pattern.index(">", self.at) + 1
            elif pattern.startswith("(?", self.at):
                raise _UnknownSyntax(pattern)  # flags, comments, back-references
            else:
                self.at += 1
            kind = "group"
            literals = self.alternation()
        if not pattern.startswith(")", self.at):
            raise _UnknownSyntax(pattern)
        self.at += 1
        return kind, literals

    def skip_class(self) -> None:
        pattern = self.pattern
        at = self.at + 1
        if pattern.startswith("^", at):
            at += 1
        if pattern.startswith("]", at):
            at += 1
        while at < len(pattern) and pattern[at] != "]":
            at += 2 if pattern[at] == "\\" else 1
        if at >= len(pattern):
            raise _UnknownSyntax(pattern)
        self.at = at + 1

    def repeat_least(self) -> int | None:
        """The least number of times the part before repeats (None: it is not repeated)."""
        pattern = self.pattern
        if self.at == len(pattern):
            return None
        char = pattern[self.at]
        if char in "?*+":
            self.at += 1
            least = 1 if char == "+" else 0
        elif char == "{":
            braces = _BRACES.match(pattern, self.at)
            if braces is None:
                raise _UnknownSyntax(pattern)
            self.at = braces.end()
            least = int(braces.group(1) or 0)
        else:
            return None
        if self.at < len(pattern) and pattern[self.at] in "?+":
            self.at += 1  # lazy or possessive: the same text can match
        return least


_BRACES = re.compile(r"\{(?=[\d,])(\d*)(?:,(\d*))?\}")  # "{}" is two plain characters


def _strength(literals: tuple[str, ...]) -> tuple[int, int]:
    """Longer literals are rarer, fewer are faster to test."""
    return (min(len(text) for text in literals), -len(literals))


def _without_longer(texts: Iterable[str]) -> tuple[str, ...]:
    """The texts, each once, without those that contain another: it is found through that one."""
    unique = list(dict.fromkeys(texts))
    return tuple(
        text for text in unique if not any(other != text and other in text for other in unique)
    )


@dataclass(frozen=True)
class _Cue:
    pattern: re.Pattern[str]
    weight: float
    literals: tuple[str, ...] | None


def _cue(pattern: str, weight: float = 1.0) -> _Cue:
    return _Cue(re.compile(rf"\b(?:{pattern})"), weight, required_literals(pattern))


_MOT_PATTERNS: tuple[tuple[Mot, tuple[_Cue, ...]], ...] = tuple(
    (mot, tuple(_cue(pattern, weight) for pattern, weight in cues))
    for mot, cues in MOT_CUES.items()
)


class _CueSet:
    """Cues found through the plain text they require: only plausible regexes are run.

    Literals are looked up by their first three letters among the text's
    3-letter pieces, checked with a fast `in`, and only the cues whose
    literal is really there get their regex searched.
    """

    def __init__(self, cues: list[tuple[str, _Cue]]) -> None:
        self.cues = tuple(cues)
        by_literal: dict[str, set[int]] = {}
        for number, (_, cue) in enumerate(self.cues):
            for literal in cue.literals or ():
                by_literal.setdefault(literal, set()).add(number)
        self.by_literal = {literal: frozenset(numbers) for literal, numbers in by_literal.items()}
        by_gram: dict[str, list[str]] = {}
        for literal in self.by_literal:
            by_gram.setdefault(literal[:3], []).append(literal)
        self.by_gram = {gram: tuple(literals) for gram, literals in by_gram.items()}
        self.grams = frozenset(self.by_gram)
        self.unindexed = frozenset(
            n for n, (_, cue) in enumerate(self.cues) if cue.literals is None
        )

    def matching(self, clean: str, grams: set[str]) -> list[tuple[str, float]]:
        """(key, weight) of every cue that matches, in a fixed order."""
        candidates = set(self.unindexed)
        for gram in grams & self.grams:
            for literal in self.by_gram[gram]:
                if literal in clean:
                    candidates |= self.by_literal[literal]
        found = []
        for number in sorted(candidates):
            key, cue = self.cues[number]
            if cue.pattern.search(clean):
                found.append((key, cue.weight))
        return found


def _trigrams(clean: str) -> set[str]:
    return {clean[i : i + 3] for i in range(len(clean) - 2)}


_MOT_CUE_SET = _CueSet([(mot.value, cue) for mot, group in _MOT_PATTERNS for cue in group])
_THEME_CUE_SET = _CueSet(
    [(theme, _cue(pattern)) for theme, patterns in THEME_CUES.items() for pattern in patterns]
)
_THEME_ORDER = {theme: index for index, theme in enumerate(THEME_CUES)}


_NEGATIVE_RE = _compile(NEGATIVE)
_POSITIVE_RE = re.compile(
    rf"\b(?:{NEGATIONS}\s+(?:\w+\s+)?)?(?:" + "|".join(f"(?:{p})" for p in POSITIVE) + ")"
)
_NEGATED_RE = re.compile(rf"^{NEGATIONS}\b")
_STAGE_PATTERNS = tuple((re.compile(rf"\b(?:{p})"), stage) for p, stage in STAGE_CUES)

# On a tie the more specific moment wins; SMOT, the catch-all, comes last.
MOT_PRIORITY = (Mot.LZMOT, Mot.UMOT, Mot.ZMOT, Mot.FMOT, Mot.AMOT, Mot.SMOT)


UNCLASSIFIED = "unclassified"


@dataclass(frozen=True)
class TicketResult:
    """One ticket's reading. `mot` is the best guess even when `classified` is False."""

    id: str
    mot: Mot
    stage: Stage
    sentiment: str
    confidence: float
    themes: tuple[str, ...] = ()
    classified: bool = True

    @property
    def label(self) -> str:
        """The moment code, or `unclassified` below the confidence threshold."""
        return self.mot.value if self.classified else UNCLASSIFIED


def sentiment_counts(clean: str) -> tuple[int, int]:
    """Negative and positive cue words in normalised text; negated praise counts as negative."""
    negative = len(_NEGATIVE_RE.findall(clean))
    positive = 0
    for match in _POSITIVE_RE.finditer(clean):
        if _NEGATED_RE.match(match.group(0)):
            negative += 1
        else:
            positive += 1
    return negative, positive


def sentiment_of(text: str) -> str:
    """negative, neutral or positive, from cue words; negated praise counts as negative."""
    negative, positive = sentiment_counts(text)
    if negative > positive:
        return "negative"
    if positive > negative:
        return "positive"
    return "neutral"


def cue_scores(clean: str, grams: set[str] | None = None) -> dict[Mot, float]:
    """Summed weights of the cue words of each moment found in normalised text."""
    scores: dict[Mot, float] = {}
    for key, weight in _MOT_CUE_SET.matching(clean, _trigrams(clean) if grams is None else grams):
        mot = Mot(key)
        scores[mot] = scores.get(mot, 0.0) + weight
    return scores


def model_features(text: str) -> tuple[str, list[float]]:
    """The normalised text and the dense (cue) features the trained model takes."""
    clean = normalise(text)
    scores = cue_scores(clean)
    negative, positive = sentiment_counts(clean)
    dense = ticket_model.dense_values(
        [scores.get(Mot(code), 0.0) for code in ticket_model.MOT_LABELS], negative, positive
    )
    return clean, dense


def _by_cues(scores: dict[Mot, float]) -> tuple[Mot, float, bool]:
    if not scores:
        return Mot.SMOT, 0.2, False  # nothing matched: the catch-all as a guess, unclassified
    best = max(MOT_PRIORITY, key=lambda m: (scores.get(m, 0.0), -MOT_PRIORITY.index(m)))
    top = scores[best]
    share = top / sum(scores.values())
    return best, round(0.4 + 0.6 * share * min(1.0, top / 4), 2), True


_CONTENT_WORD = re.compile(r"\b[a-z]{3,}\b")
MIN_CONTENT_WORDS = 4


class TicketClassifier:
    """Reads tickets with the trained model (when there is one) and the cue words."""

    def __init__(self, model: ticket_model.TicketModel | None) -> None:
        self.model = model

    def classify(self, ticket_id: str, text: str) -> TicketResult:
        """One ticket's moment, stage, sentiment and a confidence between 0 and 1."""
        clean = normalise(text)
        grams = _trigrams(clean)
        scores = cue_scores(clean, grams)
        negative, positive = sentiment_counts(clean)
        if self.model is None:
            best, confidence, classified = _by_cues(scores)
            sentiment = (
                "negative"
                if negative > positive
                else "positive"
                if positive > negative
                else "neutral"
            )
        else:
            dense = ticket_model.dense_values(
                [scores.get(Mot(code), 0.0) for code in ticket_model.MOT_LABELS],
                negative,
                positive,
            )
            prediction = self.model.predict(text, dense)
            best, classified = Mot(prediction.mot), prediction.classified
            confidence = round(prediction.mot_probability, 2)
            sentiment = prediction.sentiment
            if not scores and len(_CONTENT_WORD.findall(clean)) < MIN_CONTENT_WORDS:
                # "see attached", "Ticket 4711", "Hallo": no cue and too few words for
                # the n-grams to mean anything (the corpus has no such tickets, so
                # the model is overconfident on them).
                classified, confidence = False, min(confidence, 0.2)
        stage = MOMENTS[best].stage
        if best is Mot.AMOT:
            stage = next((s for p, s in _STAGE_PATTERNS if p.search(clean)), Stage.RETENTION)
        themes = tuple(
            sorted(
                {key for key, _ in _THEME_CUE_SET.matching(clean, grams)},
                key=_THEME_ORDER.__getitem__,
            )
        )
        return TicketResult(ticket_id, best, stage, sentiment, confidence, themes, classified)

    def guess(self, phrase: str) -> tuple[Mot, float] | None:
        """The trained model's best moment for a short description ("returns"), unguarded.

        `classify` keeps tickets of a few words unclassified; a phrase the team
        types to say where something belongs is short by nature, and the bot
        confirms a guess before using it.
        """
        if self.model is None:
            return None
        _, dense = model_features(phrase)
        prediction = self.model.predict(phrase, dense)
        return Mot(prediction.mot), prediction.mot_probability

    def classify_batch(self, batch: list[tuple[str, str]]) -> list[TicketResult]:
        return [self.classify(ticket_id, text) for ticket_id, text in batch]

    def retrain_with(self, corrections: list[tuple[str, Mot]]) -> TicketClassifier:
        """A classifier for one session that reads the corrected tickets as the team said.

        Each correction is a ticket text and the moment the team says it is
        about ("no, these are about returns": those tickets, `Mot.SMOT`). The
        model is retrained on them (see `TicketModel.corrected`), so tickets
        worded like them follow; the shipped model is left as it is. Without a
        trained model the corrected texts themselves are read as corrected.
        """
        if not corrections:
            return self
        if self.model is None:
            return _Overridden(None, {normalise(text): mot for text, mot in corrections})
        examples = [(text, model_features(text)[1], mot.value) for text, mot in corrections]
        return TicketClassifier(self.model.corrected(examples))


class _Overridden(TicketClassifier):
    def __init__(self, model: ticket_model.TicketModel | None, labels: dict[str, Mot]) -> None:
        super().__init__(model)
        self.labels = labels

    def classify(self, ticket_id: str, text: str) -> TicketResult:
        result = super().classify(ticket_id, text)
        mot = self.labels.get(normalise(text))
        if mot is None:
            return result
        return TicketResult(
            ticket_id, mot, MOMENTS[mot].stage, result.sentiment, 1.0, result.themes, True
        )


@cache
def default_classifier() -> TicketClassifier:
    """The shipped model with the cue words (the cue words alone if no model is shipped)."""
    return TicketClassifier(ticket_model.shipped())


def cue_classifier() -> TicketClassifier:
    """The transparent cue words alone, as before the trained model."""
    return TicketClassifier(None)


def classify(ticket_id: str, text: str) -> TicketResult:
    """One ticket's moment, stage, sentiment and a confidence between 0 and 1."""
    return default_classifier().classify(ticket_id, text)


def retrain_with(
    corrections: list[tuple[str, Mot]], base: TicketClassifier | None = None
) -> TicketClassifier:
    """The default (or `base`) classifier retrained on a session's corrections."""
    return (base or default_classifier()).retrain_with(corrections)


CORRECTED_TICKETS_AT_MOST = 100  # per correction: enough to learn the wording, quick to fit


def corrected_classifier(
    texts: Callable[[], Iterable[str]],
    corrections: Sequence[tuple[Mot, Mot]],
    base: TicketClassifier | None = None,
) -> TicketClassifier:
    """A session's classifier after the team moved ticket groups ("AMOT is really SMOT").

    For each (read as, belongs to) in order, the tickets the classifier so far
    reads as the first are relabelled as the second and it is retrained on
    them; `texts` gives the export's ticket texts again for every round.
    """
    classifier = base or default_classifier()
    for source, target in corrections:
        examples: list[tuple[str, Mot]] = []
        for ticket in texts():
            result = classifier.classify("", ticket)
            if result.classified and result.mot is source:
                examples.append((ticket, target))
                if len(examples) >= CORRECTED_TICKETS_AT_MOST:
                    break
        classifier = classifier.retrain_with(examples)
    return classifier


@dataclass
class MomentTally:
    count: int = 0
    negative: int = 0
    positive: int = 0
    themes: Counter[str] = field(default_factory=Counter)
    example: str = ""  # the first negative ticket
    sample: str = ""  # the first ticket of any feeling

    @property
    def negative_share(self) -> float:
        return self.negative / self.count if self.count else 0.0


@dataclass(frozen=True)
class Skipped:
    row: int
    reason: str


QUOTED_SIDES = {"negative": "pain", "positive": "glory"}


@dataclass
class TicketAnalysis:
    """A helpdesk export's tickets classified: per ticket, per moment, and the rows skipped."""

    tickets: list[TicketResult] = field(default_factory=list)
    moments: dict[Mot, MomentTally] = field(default_factory=dict)
    skipped: list[Skipped] = field(default_factory=list)
    # Tickets below the confidence threshold: counted here, never a moment.
    unclassified: MomentTally = field(default_factory=MomentTally)
    # The first negative and positive ticket of each moment and main theme, to quote.
    group_quotes: dict[tuple[Mot, str | None], dict[str, str]] = field(default_factory=dict)

    def add(self, result: TicketResult, text: str) -> None:
        self.tickets.append(result)
        if result.classified:
            tally = self.moments.setdefault(result.mot, MomentTally())
        else:
            tally = self.unclassified
        tally.count += 1
        if not tally.sample:
            tally.sample = text[:200]
        if result.classified and result.sentiment in QUOTED_SIDES:
            quotes = self.group_quotes.setdefault(
                (result.mot, primary(result.themes, result.mot)), {}
            )
            quotes.setdefault(QUOTED_SIDES[result.sentiment], text[:200])
        if result.sentiment == "negative":
            tally.negative += 1
            tally.themes.update(result.themes)
            if not tally.example:
                tally.example = text[:200]
        elif result.sentiment == "positive":
            tally.positive += 1

    def hardest(self) -> list[Mot]:
        """Moments from the most pain (negative tickets, then their share) to the least."""
        return sorted(
            self.moments,
            key=lambda m: (
                -self.moments[m].negative,
                -self.moments[m].negative_share,
                MOT_PRIORITY.index(m),
            ),
        )

    def top_themes(self, mot: Mot, limit: int = 3) -> list[str]:
        counted = self.moments[mot].themes
        return [t for t, _ in sorted(counted.items(), key=lambda kv: (-kv[1], kv[0]))[:limit]]

    def to_dict(self) -> dict[str, object]:
        return {
            "tickets": [
                {
                    "id": t.id,
                    "mot": t.label,
                    "stage": t.stage.value if t.classified else None,
                    "sentiment": t.sentiment,
                    "confidence": t.confidence,
                }
                for t in self.tickets
            ],
            "moments": [
                {
                    "mot": m.value,
                    "count": self.moments[m].count,
                    "negative_share": round(self.moments[m].negative_share, 3),
                    "themes": self.top_themes(m),
                }
                for m in self.hardest()
            ],
            "hardest": [m.value for m in self.hardest()],
            "skipped": [{"row": s.row, "reason": s.reason} for s in self.skipped],
        }


def classify_batch(batch: list[tuple[str, str]]) -> list[TicketResult]:
    """Classify (id, text) pairs; the unit of work handed to a worker process."""
    return default_classifier().classify_batch(batch)
