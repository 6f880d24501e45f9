"""The trained ticket model: a linear model on word and character n-grams plus the cue scores.

Trained by `scripts/train_ticket_model.py` (scikit-learn, a few seconds) on the
labelled corpus in `bench/data/`; the weights are shipped as JSON in
`bot/core/models/tickets.json.gz`, so running it needs neither scikit-learn nor
the network. Inference is plain Python: a ticket's n-grams are looked up in
one table whose rows hold every class's weight (moment and sentiment) and
the n-gram's squared idf, so one pass gives both models' scores.

Features, identical in training and here:
- words and word pairs of the folded text (lower case, umlauts spelled
  out, ä -> ae, so "Lieferverzögerung" and "Lieferverzoegerung" agree;
  other accents dropped; digits -> 0), idf-weighted and normalised;
- character 3- to 5-grams inside words (typos and German compounds),
  idf-weighted and normalised on their own;
- dense: the transparent cue scores of `bot.core.tickets` per moment and the
  counts of negative and positive cue words.

Probabilities are calibrated with one temperature per model, fitted on
leave-one-industry-out predictions; a ticket whose moment probability is
below the shipped threshold is `unclassified` rather than guessed.
"""

from __future__ import annotations

import gzip
import json
import math
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cache
from itertools import pairwise
from pathlib import Path
from typing import Any

MOT_LABELS = ("lzmot", "zmot", "fmot", "amot", "smot", "umot")
SENTIMENT_LABELS = ("negative", "neutral", "positive")
N_OUT = len(MOT_LABELS) + len(SENTIMENT_LABELS)
# Dense features: one cue score per moment, then negative and positive cue counts.
DENSE = (*(f"cue:{m}" for m in MOT_LABELS), "sent:neg", "sent:pos")
FEATURE_VERSION = 1
MODEL_PATH = Path(__file__).resolve().parent / "models" / "tickets.json.gz"

_FOLD = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss", "\u2019": "'", "`": "'"})
_TOKEN = re.compile(r"[a-z0-9]+(?:'[a-z]+)?|[@#!?]")
_DIGITS = re.compile(r"[0-9]")


def fold(text: str) -> str:
    """Lower case, umlauts spelled out, other accents dropped."""
    text = text.lower().translate(_FOLD)
    if not text.isascii():
        text = unicodedata.normalize("NFKD", text)
        text = "".join(ch for ch in text if not unicodedata.combining(ch))
    return text


def tokens(text: str) -> list[str]:
    return _TOKEN.findall(_DIGITS.sub("0", fold(text)))


def word_grams(words: Sequence[str]) -> list[str]:
    """Every word and word pair, once per occurrence."""
    return [*words, *(a + " " + b for a, b in pairwise(words))]


def char_grams(word: str) -> list[str]:
    """Character 3- to 5-grams of one word with a space on either side."""
    if len(word) < 2:
        return []
    padded = " " + word + " "
    size = len(padded)
    return [padded[i : i + n] for n in (3, 4, 5) for i in range(size - n + 1)]


def ngram_blocks(text: str) -> tuple[list[str], list[str]]:
    """The word block and the character block of one text, one entry per occurrence.

    A block's features are scaled by idf and divided by the square root of the
    summed squared idf of its known occurrences (the L2 norm when nothing repeats).
    """
    words = tokens(text)
    return word_grams(words), [gram for word in words for gram in char_grams(word)]


def dense_values(cue_scores: Sequence[float], negative: int, positive: int) -> list[float]:
    """Cue scores squashed to [0, 1) so one strong cue does not dwarf the n-grams."""
    values = [s / (s + 3.0) for s in cue_scores]
    values.append(negative / (negative + 1.0))
    values.append(positive / (positive + 1.0))
    return values


def _softmax(logits: Sequence[float], temperature: float) -> list[float]:
    scaled = [x / temperature for x in logits]
    top = max(scaled)
    exps = [math.exp(x - top) for x in scaled]
    total = sum(exps)
    return [e / total for e in exps]


@dataclass(frozen=True)
class Prediction:
    mot: str
    mot_probability: float
    mot_probabilities: tuple[float, ...]
    sentiment: str
    sentiment_probability: float
    classified: bool


@dataclass
class TicketModel:
    """Weights of both linear models: per n-gram, each class's weight x idf, then idf^2."""

    words: dict[str, tuple[float, ...]]
    chars: dict[str, tuple[float, ...]]
    bias: tuple[float, ...]
    dense: tuple[tuple[float, ...], ...]  # per dense feature, one weight per output
    mot_temperature: float
    sentiment_temperature: float
    threshold: float
    meta: dict[str, Any] = field(default_factory=dict)
    new_idf2: float = 25.0  # squared idf given to n-grams first seen in a correction
    # Per word: the summed rows of its character n-grams (None: none known). Words
    # repeat a lot in any export, so most tickets cost a few dictionary look-ups.
    _word_parts: dict[str, tuple[float, ...] | None] = field(default_factory=dict, repr=False)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> TicketModel:
        scale = float(data["scale"])
        words, chars = (
            {feature: tuple(v / scale for v in values) for feature, values in table.items()}
            for table in (data["words"], data["chars"])
        )
        return cls(
            words=words,
            chars=chars,
            bias=tuple(data["bias"]),
            dense=tuple(tuple(row) for row in data["dense"]),
            mot_temperature=float(data["mot_temperature"]),
            sentiment_temperature=float(data["sentiment_temperature"]),
            threshold=float(data["threshold"]),
            meta=dict(data.get("meta", {})),
            new_idf2=float(data.get("new_idf2", 25.0)),
        )

    def active(self, text: str) -> list[tuple[dict[str, tuple[float, ...]], str, float]]:
        """(table, feature, value) of every known n-gram of `text`, as the models see them."""
        found: list[tuple[dict[str, tuple[float, ...]], str, float]] = []
        for table, block in zip((self.words, self.chars), ngram_blocks(text), strict=True):
            counts = Counter(f for f in block if f in table)
            if not counts:
                continue
            norm = math.sqrt(sum(table[f][-1] * count for f, count in counts.items()))
            for feature, count in counts.items():
                found.append((table, feature, count * math.sqrt(table[feature][-1]) / norm))
        return found

    def _word_part(self, word: str) -> tuple[float, ...] | None:
        get = self.chars.get
        rows = [row for row in map(get, char_grams(word)) if row is not None]
        if not rows:
            return None
        return tuple(sum(column) for column in zip(*rows, strict=True))

    def logits(self, text: str, dense: Sequence[float]) -> list[float]:
        acc = list(self.bias)
        words = tokens(text)
        cache = self._word_parts
        parts = []
        for word in words:
            try:
                part = cache[word]
            except KeyError:
                if len(cache) > 200_000:
                    cache.clear()
                part = cache[word] = self._word_part(word)
            if part is not None:
                parts.append(part)
        get = self.words.get
        rows = [row for row in map(get, word_grams(words)) if row is not None]
        for block in (rows, parts):
            if not block:
                continue
            sums = [sum(column) for column in zip(*block, strict=True)]
            inverse = 1.0 / math.sqrt(sums[-1])
            acc = [a + s * inverse for a, s in zip(acc, sums, strict=False)]
        for value, weights in zip(dense, self.dense, strict=True):
            if value:
                acc = [a + value * w for a, w in zip(acc, weights, strict=True)]
        return acc

    def predict(self, text: str, dense: Sequence[float]) -> Prediction:
        logits = self.logits(text, dense)
        n_mot = len(MOT_LABELS)
        mot_p = _softmax(logits[:n_mot], self.mot_temperature)
        sent_p = _softmax(logits[n_mot:N_OUT], self.sentiment_temperature)
        best = max(range(n_mot), key=mot_p.__getitem__)
        feeling = max(range(len(SENTIMENT_LABELS)), key=sent_p.__getitem__)
        return Prediction(
            mot=MOT_LABELS[best],
            mot_probability=mot_p[best],
            mot_probabilities=tuple(mot_p),
            sentiment=SENTIMENT_LABELS[feeling],
            sentiment_probability=sent_p[feeling],
            classified=mot_p[best] >= self.threshold,
        )

    def corrected(
        self,
        examples: Iterable[tuple[str, Sequence[float], str]],
        target: float = 0.9,
        rate: float = 0.5,
        max_steps: int = 200,
    ) -> TicketModel:
        """A copy retrained on (text, dense features, moment) corrections.

        Gradient steps of the moment model's cross-entropy on the corrected
        tickets' n-gram weights (bias and cue weights stay), round after round,
        until every correction is read as its moment with `target` probability.
        New n-grams of a correction get a row of their own. The shipped model
        is not changed; tickets sharing the corrected wording follow it.
        """
        model = TicketModel(
            words=dict(self.words),
            chars=dict(self.chars),
            bias=self.bias,
            dense=self.dense,
            mot_temperature=self.mot_temperature,
            sentiment_temperature=self.sentiment_temperature,
            threshold=self.threshold,
            meta={**self.meta, "corrections": True},
            new_idf2=self.new_idf2,
        )
        items = [(text, list(dense), MOT_LABELS.index(mot)) for text, dense, mot in examples]
        for text, _, _ in items:
            for table, block in zip((model.words, model.chars), ngram_blocks(text), strict=True):
                for feature in block:
                    if feature not in table:
                        table[feature] = (0.0,) * N_OUT + (self.new_idf2,)
        n_mot = len(MOT_LABELS)
        for _ in range(max_steps):
            done = True
            for text, dense, label in items:
                probabilities = _softmax(model.logits(text, dense)[:n_mot], 1.0)
                if probabilities[label] >= target:
                    continue
                done = False
                gradient = [p - (1.0 if k == label else 0.0) for k, p in enumerate(probabilities)]
                model._word_parts.clear()
                for table, feature, value in model.active(text):
                    row = table[feature]
                    idf = math.sqrt(row[-1])
                    # rows hold weight x idf: the step on the weight, scaled back by idf.
                    updated = [
                        w - rate * g * value * idf
                        for w, g in zip(row[:n_mot], gradient, strict=True)
                    ]
                    table[feature] = (*updated, *row[n_mot:])
            if done:
                break
        model._word_parts.clear()
        return model


@cache
def shipped() -> TicketModel | None:
    """The model in the package, or None when it has not been trained (cue words only)."""
    try:
        data = json.loads(gzip.decompress(MODEL_PATH.read_bytes()))
    except (OSError, ValueError):
        return None
    if data.get("feature_version") != FEATURE_VERSION:
        return None
    return TicketModel.from_json(data)
