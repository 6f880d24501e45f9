#!/usr/bin/env bash
# Create and fill one of the two environments, idempotently.
#   scripts/setup-env.sh app   -> .venv       (Python 3.11+: bot/, actions/, tests)
#   scripts/setup-env.sh rasa  -> .venv-rasa  (Python 3.10: Rasa 3.6 only)
# A stamp file records the hash of the inputs, so a second run installs nothing.
set -euo pipefail
cd "$(dirname "$0")/.."

stamp_of() { cat "$@" | sha256sum | cut -c1-16; }

find_python310() {
  if command -v python3.10 >/dev/null 2>&1 && python3.10 -c 'import sys; assert sys.version_info[:2] == (3, 10)' 2>/dev/null; then
    command -v python3.10; return
  fi
  local root
  root=$(pyenv root 2>/dev/null || echo "$HOME/.pyenv")
  local candidate
  for candidate in $(ls -d "$root"/versions/3.10.*/bin/python3.10 2>/dev/null | sort -V -r); do
    [ -x "$candidate" ] && { echo "$candidate"; return; }
  done
  echo "error: Rasa 3.6 needs Python 3.10 and none was found." >&2
  echo "       Install it (e.g. 'pyenv install 3.10' or your distribution's python3.10 package)" >&2
  echo "       and make it available as python3.10 on PATH." >&2
  exit 1
}

find_python311() {
  local py
  for py in python3.11 python3; do
    if command -v "$py" >/dev/null 2>&1 && "$py" -c 'import sys; assert sys.version_info >= (3, 11)' 2>/dev/null; then
      command -v "$py"; return
    fi
  done
  echo "error: the app needs Python 3.11 or newer as python3.11 or python3." >&2
  exit 1
}

quiet_pip() {
  # pip's notes about this machine's optional local indexes are noise here.
  "$@" 2>&1 | grep -v -E "^WARNING: Location .* is ignored" || return "${PIPESTATUS[0]}"
}

case "${1:-}" in
  app)
    venv=.venv; stamp=$(stamp_of pyproject.toml)
    if [ "$(cat $venv/.stamp 2>/dev/null)" = "$stamp" ]; then exit 0; fi
    echo ">> setting up $venv (the app, Python 3.11) ..."
    [ -x $venv/bin/python ] || "$(find_python311)" -m venv $venv
    quiet_pip $venv/bin/python -m pip install -q --upgrade pip
    quiet_pip $venv/bin/python -m pip install -q -e ".[dev]"
    $venv/bin/python -m pip check
    echo "$stamp" > $venv/.stamp
    ;;
  rasa)
    venv=.venv-rasa; stamp=$(stamp_of requirements/rasa.txt requirements/rasa-constraints.txt)
    if [ "$(cat $venv/.stamp 2>/dev/null)" = "$stamp" ]; then exit 0; fi
    echo ">> setting up $venv (Rasa 3.6, Python 3.10; about 3 minutes the first time) ..."
    [ -x $venv/bin/python ] || "$(find_python310)" -m venv $venv
    quiet_pip $venv/bin/python -m pip install -q --upgrade "pip<25"
    # One resolver run, every package pinned: nothing can drift under rasa.
    quiet_pip $venv/bin/python -m pip install -q -r requirements/rasa.txt -c requirements/rasa-constraints.txt
    $venv/bin/python -m pip check
    echo "$stamp" > $venv/.stamp
    ;;
  *)
    echo "usage: $0 app|rasa" >&2; exit 2 ;;
esac
