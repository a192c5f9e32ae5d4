#!/usr/bin/env bash
# Runs the whole system on this machine: the local RabbitMQ, MongoDB (MONGO_URI if set, else
# the embedded nx-27017 stand-in), every service and the gateway; loads demo data; prints what
# runs where. Ctrl-C stops everything. Data and logs live in .run/.
set -euo pipefail
cd "$(dirname "$0")/../.."
bash infra/local/bootstrap.sh
mkdir -p .run/logs .run/mongo
export PYTHONUNBUFFERED=1 CARE_ENV=${CARE_ENV:-development}
export AMQP_URI=${AMQP_URI:-amqp://guest:guest@127.0.0.1:5672//}
export GATEWAY_PORT=${GATEWAY_PORT:-8000}
# plain http on this machine: the session cookie cannot be Secure here (compose keeps it so)
export GATEWAY_COOKIE_SECURE=${GATEWAY_COOKIE_SECURE:-false}
programs=()
if [ -z "${MONGO_URI:-}" ]; then
  port=${MONGO_PORT:-27017}
  programs+=("mongo=.venv-nx/bin/nx-27017 --host 127.0.0.1 -p $port --data-dir .run/mongo \
--pid-file .run/nx-27017.pid --log-file .run/logs/nx-27017.log")
  export MONGO_URI="mongodb://127.0.0.1:$port/"
fi
services=(registry pairing activities notifications reporting gateway)
for service in "${services[@]}"; do programs+=("$service=.venv/bin/python -m carekit.run $service"); done
# The supervisor restarts a process that dies (with backoff) while the others keep serving;
# Ctrl-C (or SIGTERM) stops them all.
.venv/bin/python -m carekit.supervisor --logs .run/logs "${programs[@]}" &
supervisor=$!
stop() { trap - INT TERM; echo; echo "stopping..."; kill -TERM "$supervisor" 2>/dev/null || true
  wait "$supervisor" 2>/dev/null || true; exit 0; }
trap stop INT TERM
.venv/bin/python - <<'PY'
import os, time, pymongo
client = pymongo.MongoClient(os.environ["MONGO_URI"], serverSelectionTimeoutMS=500)
for _ in range(60):
    try:
        client.admin.command("ping"); break
    except Exception:
        time.sleep(0.5)
else:
    raise SystemExit("MongoDB did not answer at " + os.environ["MONGO_URI"])
PY
.venv/bin/python -m carekit.events.topology >/dev/null
.venv/bin/python -m carekit.waitup "http://127.0.0.1:$GATEWAY_PORT/health" 90
echo "demo county (loaded once; a second run adds nothing):"
.venv/bin/python -m gateway.demo || echo "demo county: failed (see above)"
echo "reminders:"
.venv/bin/python -m notifications.demo || echo "reminders: failed (see above)"
echo "work summary (工作总结) and statistics (统计表) of the demo county:"
.venv/bin/python -m reporting.demo --out .run/reports || echo "work summary: failed (see above)"
cat <<INFO

care-network is running
  web UI        http://127.0.0.1:$GATEWAY_PORT/   (中文, phone or desktop; the demo logins are printed above)
  web API       http://127.0.0.1:$GATEWAY_PORT/api/docs   (OpenAPI: /api/openapi.json)
  health        http://127.0.0.1:$GATEWAY_PORT/health   metrics: /metrics
  try it        curl -s -c .run/cookies -H 'Content-Type: application/json' \\
                  -d '{"username":"teacher","password":"Demo-care-2026"}' \\
                  http://127.0.0.1:$GATEWAY_PORT/api/session
                curl -s -b .run/cookies http://127.0.0.1:$GATEWAY_PORT/api/me/children
                (changing requests add -H "X-CSRF-Token: <csrf_token from the login>";
                 programs: POST /api/tokens, then -H "Authorization: Bearer <token>")
  services      ${services[*]}   (logs: .run/logs/<service>.log, JSON)
  RabbitMQ      $AMQP_URI   management: http://127.0.0.1:15672 (guest/guest)
  MongoDB       $MONGO_URI   (one database per service: care_<service>)
  dead letters  .venv/bin/python -m carekit.events.dlq list <service>
  first admin   .venv/bin/python -m gateway.cli create-admin --username NAME --county-code CODE
  bureaus       .venv/bin/python -m carekit.bureaus onboard minzheng --events all   (民政 etc.)
Ctrl-C stops everything.
INFO
wait "$supervisor"
