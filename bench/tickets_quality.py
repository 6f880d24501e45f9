"""How well the ticket classifier finds the moment of truth, per language.

Runs over bench/data/tickets_eval_{en,de}.csv: hand-labelled tickets of two
businesses (a home-goods web shop and a B2B invoicing SaaS), balanced over
the six moments. The set is never used to build or tune the classifier.
Prints per-language accuracy and macro-F1 (moments) and sentiment accuracy;
the last line is one JSON object.

    .venv/bin/python bench/tickets_quality.py
"""

from __future__ import annotations

import csv
import json
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.core.records import classify  # noqa: E402

TARGETS = {"en": 0.85, "de": 0.75}


def macro_f1(pairs: list[tuple[str, str]]) -> float:
    labels = sorted({gold for gold, _ in pairs})
    scores = []
    for label in labels:
        tp = sum(1 for g, p in pairs if g == label and p == label)
        fp = sum(1 for g, p in pairs if g != label and p == label)
        fn = sum(1 for g, p in pairs if g == label and p != label)
        precision = tp / (tp + fp) if tp + fp else 0.0
        recall = tp / (tp + fn) if tp + fn else 0.0
        scores.append(2 * precision * recall / (precision + recall) if precision + recall else 0.0)
    return sum(scores) / len(scores)


def main() -> None:
    figures: dict[str, object] = {"bench": "tickets_quality"}
    for language in ("en", "de"):
        path = ROOT / "bench" / "data" / f"tickets_eval_{language}.csv"
        rows = list(csv.DictReader(path.open(encoding="utf-8")))
        mot_pairs, sentiment_hits = [], 0
        confusions: Counter[tuple[str, str]] = Counter()
        for row in rows:
            result = classify(row["id"], row["text"])
            mot_pairs.append((row["mot"], result.mot.value))
            sentiment_hits += result.sentiment == row["sentiment"]
            if row["mot"] != result.mot.value:
                confusions[(row["mot"], result.mot.value)] += 1
        accuracy = sum(g == p for g, p in mot_pairs) / len(mot_pairs)
        f1 = macro_f1(mot_pairs)
        print(
            f"{language}: {len(rows)} tickets, accuracy {accuracy:.3f}, macro-F1 {f1:.3f} "
            f"(target {TARGETS[language]}), sentiment accuracy {sentiment_hits / len(rows):.3f}",
            file=sys.stderr,
        )
        for (gold, predicted), count in confusions.most_common(5):
            print(f"   {gold} read as {predicted}: {count}", file=sys.stderr)
        figures[f"{language}_tickets"] = len(rows)
        figures[f"{language}_accuracy"] = round(accuracy, 3)
        figures[f"{language}_macro_f1"] = round(f1, 3)
        figures[f"{language}_sentiment_accuracy"] = round(sentiment_hits / len(rows), 3)
        figures[f"{language}_meets_target"] = f1 >= TARGETS[language]
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
