#!/usr/bin/env bash
# `rasa data validate` for each language's model (its NLU with the shared stories
# and rules, its config), failing on every warning but one known false positive:
# Rasa 3.6 reports the forms' utter_ask_<slot> responses as "not used in any
# story or rule", although the forms use them.
set -uo pipefail
cd "$(dirname "$0")/.."
languages=$(.venv/bin/python -c 'from pathlib import Path; from bot.rasa_supervisor import model_languages; print(" ".join(model_languages(Path("."))))')
failed=0
for language in $languages; do
  read -r config data < <(.venv/bin/python -c "
from pathlib import Path
from bot.rasa_supervisor import config_file, training_data
print(config_file('$language'), ' '.join(str(p) for p in training_data(Path('.'), '$language')))")
  log=$(mktemp)
  # shellcheck disable=SC2086  # the data files are separate arguments
  .venv-rasa/bin/rasa data validate --domain domain.yml --config "$config" --data $data > "$log" 2>&1
  status=$?
  clean=$(sed -e 's/\x1b\[[0-9;]*m//g' "$log")
  rm -f "$log"
  problems=$(printf '%s\n' "$clean" | grep -E "UserWarning|ERROR" \
    | grep -v -E "The utterance 'utter_ask_[a-z_]+' is not used in any story or rule" || true)
  if [ "$status" -ne 0 ] || [ -n "$problems" ]; then
    echo "rasa data validate ($language) found problems:"
    printf '%s\n' "${problems:-$clean}" | sed -e 's#^.*UserWarning: #  - #'
    failed=1
  else
    echo "   $language: training data and domain are consistent"
  fi
done
exit $failed
