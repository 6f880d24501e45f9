# Two commands do everything: `make run` and `make test`. Both set up what is
# missing first (both environments, the database, the model) and are
# idempotent: a second run with nothing changed installs and trains nothing.

SHELL := /bin/bash
APP := .venv/bin
RASA := .venv-rasa/bin/rasa
export RASA_TELEMETRY_ENABLED := false
export TF_CPP_MIN_LOG_LEVEL := 2
export SQLALCHEMY_SILENCE_UBER_WARNING := 1
export PYTHONWARNINGS := ignore

.PHONY: run test setup services topology model ticket-model tickets-quality db lint unit validate conversations nlu-eval integration e2e bench bench-turns bench-telegram bench-startup bench-soak bench-scale-out bench-cluster clean

run: setup db model ticket-model
	$(APP)/mot run

test: setup services lint unit tickets-quality integration validate model conversations nlu-eval nlu-eval-de e2e
	@echo "make test: every check passed."

setup:
	@scripts/setup-env.sh app
	@scripts/setup-env.sh rasa

# PostgreSQL and Redis (Debian packages) for the scale-out tests, installed when absent.
services: setup
	@scripts/setup-services.sh

# The scale-out topology on this machine: PostgreSQL, Redis, two Rasa + action servers,
# the adapter (README: Production).
topology: setup model
	@scripts/topology.sh up

db: setup
	@$(APP)/mot db upgrade

model: setup
	@$(APP)/mot train

# The ticket model shipped in the package; retrained only when the corpus in
# bench/data or the training code changed (the model carries their hash).
ticket-model: setup
	@$(APP)/python scripts/train_ticket_model.py --if-changed

# The quick leave-one-industry-out check (every third industry held out);
# `make bench` runs every fold with the full floors.
tickets-quality: ticket-model
	@echo ">> ticket classifier, leave-one-industry-out (quick)"
	@$(APP)/python bench/tickets_quality.py --fast --no-eval

lint: setup
	$(APP)/ruff check bot actions tests migrations bench scripts rasa_addons
	$(APP)/ruff format --check bot actions tests migrations bench scripts rasa_addons
	$(APP)/mypy

unit: setup ticket-model
	$(APP)/pytest -q tests/unit

validate: setup
	@echo ">> rasa data validate"
	@scripts/validate-data.sh

conversations: model
	@echo ">> rasa test core (conversation tests, failing on any wrong prediction)"
	@rm -rf results/conversations
	@$(RASA) test core --model "$$($(APP)/mot model-path)" --stories tests/conversations \
		--out results/conversations --fail-on-prediction-errors > results-conversations.log 2>&1 \
		|| { tail -40 results-conversations.log; cat results/conversations/failed_test_stories.yml 2>/dev/null; rm -f results-conversations.log; exit 1; }
	@rm -f results-conversations.log
	@echo "   all conversation tests predicted correctly (report: results/conversations/)"

# 5-fold cross-validation of the NLU; rerun only when the training inputs changed.
nlu-eval: setup
	@echo ">> rasa test nlu --cross-validation (5 folds; about 2 minutes when the data changed)"
	@fp="$$($(APP)/python -c 'from bot.rasa_supervisor import fingerprint; from pathlib import Path; print(fingerprint(Path(".")))')"; \
	if [ "$$(cat results/nlu/.fingerprint 2>/dev/null)" != "$$fp" ]; then \
		rm -rf results/nlu; mkdir -p results/nlu; \
		.venv-rasa/bin/python scripts/rasa_cv.py --nlu data/nlu.yml --config config.yml --cross-validation --folds 5 \
			--out results/nlu > results/nlu/run.log 2>&1 || { tail -30 results/nlu/run.log; exit 1; }; \
		echo "$$fp" > results/nlu/.fingerprint; \
	fi; \
	$(APP)/python scripts/nlu_score.py results/nlu/intent_report.json 0.95

integration: setup ticket-model
	$(APP)/pytest -q tests/integration

e2e: model
	$(APP)/pytest -q tests/e2e

bench: setup ticket-model
	$(APP)/python bench/tickets_quality.py
	$(APP)/python bench/tickets.py
	$(APP)/python bench/report.py

bench-turns: model
	$(APP)/python bench/turns.py --concurrency 4

# What serving German beside English adds to `make run`: startup seconds and memory.
bench-startup: model
	$(APP)/python bench/startup.py

# 50 participants for 5 minutes through the full stack: errors, lost answers, RSS over time.
bench-soak: model
	$(APP)/python bench/soak.py

# The same load as bench-turns on the scale-out topology (PostgreSQL, Redis, 2 replicas).
bench-scale-out: model services
	$(APP)/python bench/scale_out.py --stock

# Many ticket exports: one process against a local Dask cluster.
bench-cluster: setup
	$(APP)/python bench/tickets_cluster.py

bench-telegram: model
	$(APP)/python bench/telegram.py --users 6

clean:
	rm -rf models results .rasa var/logs

# German NLU (data/de/, config-de.yml): the same 5-fold cross-validation and gate
# as nlu-eval, for the German model served beside the English one.
.PHONY: nlu-eval-de
nlu-eval-de: setup
	@echo ">> rasa test nlu --cross-validation, German (5 folds; about 2 minutes when the data changed)"
	@fp="$$(cat data/de/nlu.yml config-de.yml scripts/rasa_cv.py | sha256sum)"; \
	if [ "$$(cat results/nlu-de/.fingerprint 2>/dev/null)" != "$$fp" ]; then \
		rm -rf results/nlu-de; mkdir -p results/nlu-de; \
		.venv-rasa/bin/python scripts/rasa_cv.py --nlu data/de/nlu.yml --config config-de.yml --cross-validation --folds 5 \
			--out results/nlu-de > results/nlu-de/run.log 2>&1 || { tail -30 results/nlu-de/run.log; exit 1; }; \
		echo "$$fp" > results/nlu-de/.fingerprint; \
	fi; \
	$(APP)/python scripts/nlu_score.py results/nlu-de/intent_report.json 0.95
