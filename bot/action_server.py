"""Entry point of the action server (runs in .venv on Python 3.11 with the newest rasa-sdk)."""

from __future__ import annotations

import warnings


def main() -> None:
    # rasa-sdk warns when its major.minor differs from the engine's (3.6). We
    # pair the newest SDK with the last open-source engine on purpose: the
    # action webhook protocol is the same, and tests/e2e prove the pairing.
    warnings.filterwarnings(
        "ignore", message=r"Your versions of rasa and rasa_sdk might not be compatible"
    )
    import sys

    from rasa_sdk.__main__ import main as sdk_main

    if "--actions" not in sys.argv:
        sys.argv += ["--actions", "actions"]
    sdk_main()


if __name__ == "__main__":
    main()
