#!/usr/bin/env bash
# The scale-out topology on this machine (README: Production):
#   scripts/topology.sh up [--replicas N]   PostgreSQL + Redis on loopback, N Rasa servers
#                                           with their action servers, and the adapter
#                                           (Telegram with TELEGRAM_BOT_TOKEN, else this terminal)
#   scripts/topology.sh services            only PostgreSQL and Redis, left running
#   scripts/topology.sh down                stop those again
# PostgreSQL and Redis come from Debian's packages, installed when absent (as root or
# with sudo); servers already running on the ports are reused. docker-compose.yml
# describes the same topology for real servers.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup-env.sh app
scripts/setup-env.sh rasa
exec .venv/bin/mot topology "$@"
