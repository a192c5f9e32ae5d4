#!/usr/bin/env bash
# Runs the whole test suite against the real local RabbitMQ and MongoDB (MONGO_URI, a Docker
# `mongo`, or the nx-27017 stand-in). Extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/../.."
bash infra/local/bootstrap.sh
exec .venv/bin/python -m pytest -p no:logging -q "$@"
