#!/usr/bin/env bash
# Start-up time as a newcomer sees it: from `npm start` to the first answered alerts query,
# on a fresh DATA_DIR (initdb, migrations, demo seed) and again on the same, existing one.
# Usage: scripts/measure-start.sh [runs=3] [port=4799]
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-3}
port=${2:-4799}
query='{"query":"{ alerts(first: 1) { totalCount } }"}'

once() { # $1 = DATA_DIR; prints milliseconds
  local dir=$1 start end token pid
  start=$(date +%s%N)
  DATA_DIR=$dir PORT=$port LOG_LEVEL=silent node bin/gridhub.js serve >/dev/null 2>&1 &
  pid=$!
  until [ -f "$dir/jwt-secret" ]; do sleep 0.02; done
  token=$(DATA_DIR=$dir node bin/gridhub.js token city.admin)
  until curl -s "http://127.0.0.1:$port/graphql" -H 'content-type: application/json' \
      -H "authorization: Bearer $token" -d "$query" 2>/dev/null | grep -q totalCount; do sleep 0.02; done
  end=$(date +%s%N)
  kill -TERM "$pid"; wait "$pid" || true
  echo $(( (end - start) / 1000000 ))
}

for i in $(seq 1 "$runs"); do
  dir=$(mktemp -d)
  fresh=$(once "$dir")
  existing=$(once "$dir")
  rm -rf "$dir"
  echo "run $i: fresh DATA_DIR ${fresh} ms, existing DATA_DIR ${existing} ms"
done
