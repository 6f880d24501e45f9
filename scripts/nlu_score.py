"""Print the intent macro-F1 of a `rasa test nlu --cross-validation` run; fail below the target."""

from __future__ import annotations

import json
import sys
from pathlib import Path


def main() -> int:
    report_path = Path(sys.argv[1])
    target = float(sys.argv[2]) if len(sys.argv) > 2 else 0.95
    report = json.loads(report_path.read_text())
    macro = report["macro avg"]["f1-score"]
    weakest = sorted(
        (
            (name, row["f1-score"])
            for name, row in report.items()
            if isinstance(row, dict)
            and "support" in row
            and name not in ("macro avg", "weighted avg", "micro avg")
        ),
        key=lambda item: item[1],
    )[:3]
    print(f"NLU intent macro-F1 (5-fold cross-validation): {macro:.3f} (target {target})")
    print("   weakest intents: " + ", ".join(f"{name} {f1:.2f}" for name, f1 in weakest))
    print(f"   report: {report_path}")
    return 0 if macro >= target else 1


if __name__ == "__main__":
    sys.exit(main())
