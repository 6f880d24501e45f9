"""Training and leave-one-industry-out evaluation of the ticket model (needs scikit-learn).

Only `make` (scripts/train_ticket_model.py), the quality bench and tests use
this module; the app reads the trained weights through `bot.core.ticket_model`.

The corpus: `bench/data/corpus/<industry>.csv` (one industry per file, header
`id,industry,business,language,channel,text,mot,stage,sentiment`) and the
development set `bench/data/tickets_dev.csv` (its own group, "dev"). The
evaluation sets `tickets_eval_{en,de}.csv` are never read here.

Choices made before any held-out figure was seen: n-gram counts with idf,
each block normalised; words/pairs and character 3-5-grams seen in at least
two training tickets; the cue scores as dense features; L2-regularised
multinomial logistic regression (C = 4 for moments, C = 2 for sentiment);
one temperature per model fitted on out-of-fold (leave-one-industry-out)
predictions; `unclassified` below a calibrated 0.40, i.e. when the best
guess is more likely wrong than right by a clear margin.

Tuned once, on leave-one-industry-out over the first twelve industries only
(bench/data/README.md has the figures): the cue scores scaled down to 0.3
and balanced class weights for the moments. Industries added after that
were first measured as they came, untouched, then joined the corpus.
"""

from __future__ import annotations

import csv
import hashlib
import math
import os
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot.core import ticket_model
from bot.core.ticket_model import MOT_LABELS, SENTIMENT_LABELS
from bot.core.tickets import model_features

# One BLAS thread: the problem is small, and on a busy machine more threads
# make a fit ten times slower. Set before scikit-learn loads numpy.
for _name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_name, "1")

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "bench" / "data"
C_MOT = 4.0
C_SENTIMENT = 2.0
# The cue scores are raw counts beside unit-length n-gram blocks: at full scale
# the model leaned on them and generalised worse (leave-one-industry-out on the
# first twelve industries, macro-F1 en/de: 0.783/0.795 at 1.0, 0.852/0.844 at 0.3
# with plain weights, 0.861/0.846 at 0.3 with balanced class weights).
DENSE_SCALE = 0.3
THRESHOLD = 0.40
MIN_DF = 2
SCALE = 1000
# Training inputs besides the corpus: a change to any of them retrains.
CODE_FILES = (
    "bot/core/ticket_model.py",
    "bot/core/ticket_training.py",
    "bot/core/tickets.py",
    "bot/core/lexicon.py",
)


@dataclass(frozen=True)
class Ticket:
    id: str
    industry: str
    language: str
    text: str
    mot: str
    sentiment: str
    business: str = ""
    channel: str = ""


def corpus_files(root: Path = ROOT) -> list[Path]:
    data = root / "bench" / "data"
    return [*sorted((data / "corpus").glob("*.csv")), data / "tickets_dev.csv"]


def corpus_hash(root: Path = ROOT) -> str:
    """Hash of the corpus files and the training code: the model's stamp."""
    digest = hashlib.sha256()
    for path in [*corpus_files(root), *(root / name for name in CODE_FILES)]:
        if path.is_file():
            digest.update(str(path.relative_to(root)).encode())
            digest.update(b"\0")
            digest.update(path.read_bytes().replace(b"\r\n", b"\n"))
            digest.update(b"\0")
    return digest.hexdigest()[:16]


def read_tickets(path: Path, industry: str | None = None) -> list[Ticket]:
    """Labelled tickets of one CSV; rows with unknown labels or no text are left out."""
    tickets = []
    with path.open(encoding="utf-8-sig", newline="") as handle:
        for row in csv.DictReader(handle):
            text = (row.get("text") or "").strip()
            mot = (row.get("mot") or "").strip().lower()
            sentiment = (row.get("sentiment") or "").strip().lower()
            if not text or mot not in MOT_LABELS or sentiment not in SENTIMENT_LABELS:
                continue
            tickets.append(
                Ticket(
                    id=(row.get("id") or "").strip(),
                    industry=industry or (row.get("industry") or path.stem).strip().lower(),
                    language=(row.get("language") or "en").strip().lower()[:2],
                    text=text,
                    mot=mot,
                    sentiment=sentiment,
                    business=(row.get("business") or "").strip().lower(),
                    channel=(row.get("channel") or "").strip().lower(),
                )
            )
    return tickets


# The development set is where the cue words were grown: it trains the model
# but is never a held-out industry in the figures.
DEV = "dev"


def held_out_industries(tickets: Iterable[Ticket]) -> list[str]:
    return sorted({t.industry for t in tickets} - {DEV})


def load_corpus(root: Path = ROOT) -> list[Ticket]:
    tickets: list[Ticket] = []
    for path in corpus_files(root):
        if path.is_file():
            tickets += read_tickets(path, DEV if path.name == "tickets_dev.csv" else None)
    return tickets


@dataclass
class _Featured:
    blocks: tuple[list[str], list[str]]  # words, characters (one entry per occurrence)
    dense: list[float]


def featurise(tickets: Sequence[Ticket]) -> list[_Featured]:
    return [
        _Featured(ticket_model.ngram_blocks(t.text), model_features(t.text)[1]) for t in tickets
    ]


Vocabulary = tuple[dict[str, int], dict[str, int]]  # words, characters -> column


def _matrix(featured: Sequence[_Featured], vocabulary: Vocabulary, idf: list[float]) -> Any:
    """Rows as `TicketModel.logits` sees them: count x idf / sqrt(sum count x idf^2)."""
    from scipy.sparse import csr_matrix

    n_sparse = sum(len(index) for index in vocabulary)
    data: list[float] = []
    cols: list[int] = []
    indptr = [0]
    for item in featured:
        for index, block in zip(vocabulary, item.blocks, strict=True):
            counts = Counter(index[f] for f in block if f in index)
            if counts:
                norm = math.sqrt(sum(idf[j] ** 2 * c for j, c in counts.items()))
                for j in sorted(counts):
                    cols.append(j)
                    data.append(counts[j] * idf[j] / norm)
        for k, value in enumerate(item.dense):
            if value:
                cols.append(n_sparse + k)
                data.append(value * DENSE_SCALE)
        indptr.append(len(cols))
    return csr_matrix(
        (data, cols, indptr), shape=(len(featured), n_sparse + len(ticket_model.DENSE))
    )


@dataclass
class Fitted:
    """Both linear models and their vocabulary: logits for new tickets, or the JSON artifact."""

    vocabulary: Vocabulary
    idf: list[float]
    mot: Any
    sentiment: Any

    def logits(self, featured: Sequence[_Featured]) -> tuple[Any, Any]:
        x = _matrix(featured, self.vocabulary, self.idf)
        return self.mot.decision_function(x), self.sentiment.decision_function(x)

    def artifact(self, mot_t: float, sentiment_t: float, meta: dict[str, Any]) -> dict[str, Any]:
        n = len(self.idf)
        tables: list[dict[str, list[int]]] = []
        for index in self.vocabulary:
            rows: dict[str, list[int]] = {}
            for feature, j in index.items():
                weights = [*self.mot.coef_[:, j], *self.sentiment.coef_[:, j]]
                idf = self.idf[j]
                rows[feature] = [round(w * idf * SCALE) for w in weights] + [round(idf**2 * SCALE)]
            tables.append(rows)
        dense = [  # the app multiplies raw cue values: the scale goes into the weights
            [
                float(round(w * DENSE_SCALE, 5))
                for w in (*self.mot.coef_[:, n + k], *self.sentiment.coef_[:, n + k])
            ]
            for k in range(len(ticket_model.DENSE))
        ]
        return {
            "feature_version": ticket_model.FEATURE_VERSION,
            "scale": SCALE,
            "labels": {"mot": list(MOT_LABELS), "sentiment": list(SENTIMENT_LABELS)},
            "bias": [
                float(round(b, 5)) for b in (*self.mot.intercept_, *self.sentiment.intercept_)
            ],
            "dense": dense,
            "mot_temperature": round(mot_t, 4),
            "sentiment_temperature": round(sentiment_t, 4),
            "threshold": THRESHOLD,
            "new_idf2": round(max(self.idf) ** 2, 3) if self.idf else 25.0,
            "meta": meta,
            "words": tables[0],
            "chars": tables[1],
        }


def fit(tickets: Sequence[Ticket], featured: Sequence[_Featured] | None = None) -> Fitted:
    from sklearn.linear_model import LogisticRegression

    featured = featured if featured is not None else featurise(tickets)
    n = len(featured)
    idf: list[float] = []
    indexes: list[dict[str, int]] = []
    for block in (0, 1):
        df: Counter[str] = Counter()
        for item in featured:
            df.update(set(item.blocks[block]))
        index: dict[str, int] = {}
        for feature in sorted(f for f, count in df.items() if count >= MIN_DF):
            index[feature] = len(idf)
            idf.append(math.log((1 + n) / (1 + df[feature])) + 1.0)
        indexes.append(index)
    vocabulary = (indexes[0], indexes[1])
    x = _matrix(featured, vocabulary, idf)
    mot = LogisticRegression(C=C_MOT, max_iter=3000, class_weight="balanced")
    mot.fit(x, [MOT_LABELS.index(t.mot) for t in tickets])
    sentiment = LogisticRegression(C=C_SENTIMENT, max_iter=3000)
    sentiment.fit(x, [SENTIMENT_LABELS.index(t.sentiment) for t in tickets])
    if list(mot.classes_) != list(range(len(MOT_LABELS))):
        raise ValueError("the training tickets must cover all six moments")
    if list(sentiment.classes_) != list(range(len(SENTIMENT_LABELS))):
        raise ValueError("the training tickets must cover all three sentiments")
    return Fitted(vocabulary, idf, mot, sentiment)


@dataclass
class OutOfFold:
    """Leave-one-group-out logits of every ticket (trained without its group)."""

    tickets: list[Ticket]
    mot_logits: list[list[float]]
    sentiment_logits: list[list[float]]


def leave_one_group_out(
    tickets: Sequence[Ticket], groups: Iterable[str] | None = None
) -> OutOfFold:
    """Out-of-fold logits, holding out each industry in turn (only `groups` if given)."""
    featured = featurise(tickets)
    held = sorted(set(groups) if groups is not None else {t.industry for t in tickets})
    out = OutOfFold([], [], [])
    for group in held:
        train = [i for i, t in enumerate(tickets) if t.industry != group]
        test = [i for i, t in enumerate(tickets) if t.industry == group]
        if not test:
            continue
        fitted = fit([tickets[i] for i in train], [featured[i] for i in train])
        mot_logits, sentiment_logits = fitted.logits([featured[i] for i in test])
        out.tickets += [tickets[i] for i in test]
        out.mot_logits += [list(map(float, row)) for row in mot_logits]
        out.sentiment_logits += [list(map(float, row)) for row in sentiment_logits]
    return out


def softmax(logits: Sequence[float], temperature: float = 1.0) -> list[float]:
    top = max(logits)
    exps = [math.exp((x - top) / temperature) for x in logits]
    total = sum(exps)
    return [e / total for e in exps]


def fit_temperature(logits: Sequence[Sequence[float]], labels: Sequence[int]) -> float:
    """The temperature minimising the negative log-likelihood (golden-section on log T)."""

    def nll(log_t: float) -> float:
        t = math.exp(log_t)
        return -sum(
            math.log(max(softmax(row, t)[y], 1e-12)) for row, y in zip(logits, labels, strict=True)
        )

    low, high = math.log(0.05), math.log(20.0)
    ratio = (math.sqrt(5) - 1) / 2
    for _ in range(60):
        a = high - ratio * (high - low)
        b = low + ratio * (high - low)
        if nll(a) < nll(b):
            high = b
        else:
            low = a
    return math.exp((low + high) / 2)


def macro_f1(pairs: Sequence[tuple[str, str]], labels: Sequence[str] = MOT_LABELS) -> float:
    """Mean F1 over `labels` (gold labels); a prediction outside them is simply wrong."""
    scores = []
    for label in labels:
        tp = sum(1 for g, p in pairs if g == label and p == label)
        fp = sum(1 for g, p in pairs if g != label and p == label)
        fn = sum(1 for g, p in pairs if g == label and p != label)
        if tp + fp + fn == 0:
            continue
        scores.append(2 * tp / (2 * tp + fp + fn))
    return sum(scores) / len(scores) if scores else 0.0


def train(root: Path = ROOT, calibrate: bool = True) -> dict[str, Any]:
    """The JSON artifact trained on the whole corpus, calibrated on out-of-fold predictions."""
    tickets = load_corpus(root)
    mot_t = sentiment_t = 1.0
    meta: dict[str, Any] = {
        "corpus_hash": corpus_hash(root),
        "tickets": len(tickets),
        "industries": sorted({t.industry for t in tickets}),
        "languages": dict(sorted(Counter(t.language for t in tickets).items())),
    }
    if calibrate and len(meta["industries"]) > 1:
        oof = leave_one_group_out(tickets)
        mot_t = fit_temperature(oof.mot_logits, [MOT_LABELS.index(t.mot) for t in oof.tickets])
        sentiment_t = fit_temperature(
            oof.sentiment_logits, [SENTIMENT_LABELS.index(t.sentiment) for t in oof.tickets]
        )
    return fit(tickets).artifact(mot_t, sentiment_t, meta)
