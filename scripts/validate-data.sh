#!/usr/bin/env bash
# `rasa data validate`, failing on every warning but one known false positive:
# Rasa 3.6 reports the forms' utter_ask_<slot> responses as "not used in any
# story or rule", although the forms use them.
set -uo pipefail
cd "$(dirname "$0")/.."
log=$(mktemp)
.venv-rasa/bin/rasa data validate > "$log" 2>&1
status=$?
clean=$(sed -e 's/\x1b\[[0-9;]*m//g' "$log")
rm -f "$log"
problems=$(printf '%s\n' "$clean" | grep -E "UserWarning|ERROR" \
  | grep -v -E "The utterance 'utter_ask_[a-z_]+' is not used in any story or rule" || true)
if [ "$status" -ne 0 ] || [ -n "$problems" ]; then
  echo "rasa data validate found problems:"
  printf '%s\n' "${problems:-$clean}" | sed -e 's#^.*UserWarning: #  - #'
  exit 1
fi
echo "   training data and domain are consistent"
