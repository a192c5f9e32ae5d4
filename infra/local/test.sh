#!/usr/bin/env bash
# Runs the whole test suite against the real local RabbitMQ and MongoDB (MONGO_URI, a Docker
# `mongo`, or the nx-27017 stand-in). With arguments, they go to one pytest run as they are.
#
# Without arguments the suite runs as five pytest processes side by side: most of a test's time
# is spent waiting on the broker and the database, every test has its own vhost and databases,
# and each process starts its own MongoDB stand-in, so the groups cannot see each other. The last
# group takes every test folder the others do not name, so a new folder is never left out.
set -euo pipefail
cd "$(dirname "$0")/../.."
bash infra/local/bootstrap.sh
PYTEST=(.venv/bin/python -m pytest -p no:logging -q)
if [ $# -gt 0 ]; then exec "${PYTEST[@]}" "$@"; fi

GROUPS_NAMED=(
  "tests/kit"
  "tests/pairing tests/registry services"
  "tests/activities tests/notifications tests/security"
  "tests/gateway"
)
rest=(tests)
for group in "${GROUPS_NAMED[@]}"; do
  for path in $group; do rest+=("--ignore=$path"); done
done

mkdir -p .run
pids=()
i=0
for group in "${GROUPS_NAMED[@]}"; do
  present=()
  for path in $group; do [ -e "$path" ] && present+=("$path"); done
  [ ${#present[@]} -gt 0 ] || continue  # pytest with no path would run everything
  i=$((i + 1))
  "${PYTEST[@]}" "${present[@]}" > ".run/tests-$i.log" 2>&1 &
  pids+=($!)
done
i=$((i + 1))
"${PYTEST[@]}" "${rest[@]}" > ".run/tests-$i.log" 2>&1 &
pids+=($!)

status=0
for n in "${!pids[@]}"; do
  if ! wait "${pids[$n]}"; then status=1; fi
done
for n in $(seq 1 "$i"); do
  echo "=== test group $n"
  cat ".run/tests-$n.log"
done
echo "=== summary"
for n in $(seq 1 "$i"); do
  printf 'group %s: %s\n' "$n" "$(tail -n 1 ".run/tests-$n.log")"
done
exit "$status"
