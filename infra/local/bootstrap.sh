#!/usr/bin/env bash
# Installs everything the project needs on a fresh development/CI machine (Debian, Python 3.11,
# local RabbitMQ). Idempotent: a second run only checks.
set -euo pipefail
cd "$(dirname "$0")/../.."
PYTHON=${PYTHON:-python3}
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else
  echo "bootstrap: need root for: $*" >&2; return 1; fi; }

# Debian packages: CJK fonts for Chinese PDFs and pages, pango for weasyprint, poppler to look
# at pages, chromium for the web UI's tests.
missing=()
dpkg -s fonts-noto-cjk >/dev/null 2>&1 || missing+=(fonts-noto-cjk)
command -v pdftoppm >/dev/null || missing+=(poppler-utils)
dpkg -s libpango-1.0-0 >/dev/null 2>&1 || missing+=(libpango-1.0-0)
dpkg -s libpangoft2-1.0-0 >/dev/null 2>&1 || missing+=(libpangoft2-1.0-0)
# without it weasyprint subsets fonts itself: seconds per PDF instead of a fraction of one
dpkg -s libharfbuzz-subset0 >/dev/null 2>&1 || missing+=(libharfbuzz-subset0)
# the web UI's browser tests (tests/webui): headless chromium driven by selenium
dpkg -s chromium >/dev/null 2>&1 || missing+=(chromium)
dpkg -s chromium-driver >/dev/null 2>&1 || missing+=(chromium-driver)
if [ ${#missing[@]} -gt 0 ]; then
  echo "bootstrap: installing ${missing[*]}"
  as_root apt-get update -qq
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq "${missing[@]}" >/dev/null
fi

# RabbitMQ: the local broker must run; the test harness makes a vhost per test through the
# management API.
if command -v rabbitmqctl >/dev/null; then
  as_root rabbitmqctl status >/dev/null 2>&1 || as_root rabbitmq-server -detached || true
  for _ in $(seq 1 60); do as_root rabbitmqctl status >/dev/null 2>&1 && break; sleep 1; done
  as_root rabbitmq-plugins enable --quiet rabbitmq_management >/dev/null 2>&1 || true
  mgmt_ok() { curl -sf -u guest:guest http://127.0.0.1:15672/api/overview >/dev/null 2>&1; }
  for _ in $(seq 1 60); do mgmt_ok && break; sleep 1; done
  # Seen on a broker left busy by many short-lived vhosts: its statistics database breaks and
  # every per-vhost answer is a 500 until the plugin restarts (the queues are not affected).
  if ! mgmt_ok; then
    echo "bootstrap: RabbitMQ management API not answering; restarting the plugin"
    as_root rabbitmq-plugins disable --quiet rabbitmq_management >/dev/null 2>&1 || true
    as_root rabbitmq-plugins enable --quiet rabbitmq_management >/dev/null 2>&1 || true
    for _ in $(seq 1 60); do mgmt_ok && break; sleep 1; done
  fi
fi

# The services' environment (pymongo 4.15: the last with eventlet support).
if [ ! -x .venv/bin/python ]; then "$PYTHON" -m venv .venv; fi
stamp=.venv/.installed-$(sha1sum pyproject.toml | cut -c1-12)
if [ ! -f "$stamp" ]; then
  .venv/bin/pip install -q --upgrade pip >/dev/null 2>&1 || true
  .venv/bin/pip install -q -e ".[test]"
  touch "$stamp"
fi

# The MongoDB stand-in runs as its own server from its own environment (needs pymongo>=4.18).
if [ ! -x .venv-nx/bin/nx-27017 ]; then
  "$PYTHON" -m venv .venv-nx
  .venv-nx/bin/pip install -q nx-27017==0.8.1
fi
echo "bootstrap: ready"
