#!/usr/bin/env bash
# PostgreSQL and Redis from Debian's packages, for the scale-out tests and the topology:
# installed when absent, as root or with password-less sudo. Elsewhere it says what to
# install and the scale-out tests skip with that reason; nothing else depends on them.
set -euo pipefail
cd "$(dirname "$0")/.."
.venv/bin/python - <<'PY'
from bot.topology import ServicesUnavailable, ensure_packages, missing_programs

try:
    ensure_packages()
except ServicesUnavailable as error:
    print(f"note: {error}; the scale-out tests will be skipped.")
else:
    if not missing_programs():
        print(">> PostgreSQL and Redis are installed (scale-out tests)")
PY
