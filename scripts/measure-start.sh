#!/usr/bin/env bash
# Start-up time as a newcomer sees it: from `npm start` (node bin/gridhub.js serve) to /readyz
# answering 200 with the demo loaded, then to the first answered alerts query (with a token from
# `gridhub token`), on a fresh DATA_DIR and again on the same, existing one. A fresh DATA_DIR
# starts from the demo template in TEMPLATE_CACHE_DIR (default node_modules/.cache/gridhub; the
# first start that finds none makes it); "no template" is a fresh DATA_DIR with
# TEMPLATE_CACHE_DIR=off: initdb, the migrations and the seed.
# Usage: scripts/measure-start.sh [runs=3] [port=4799]
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-3}
port=${2:-4799}
query='{"query":"{ alerts(first: 1) { totalCount } }"}'

once() { # $1 = DATA_DIR, $2 = TEMPLATE_CACHE_DIR or ""; prints "<ms to /readyz> <ms to the first query>"
  local dir=$1 start ready end token pid
  start=$(date +%s%N)
  if [ -n "$2" ]; then export TEMPLATE_CACHE_DIR=$2; else unset TEMPLATE_CACHE_DIR; fi
  DATA_DIR=$dir PORT=$port LOG_LEVEL=silent node bin/gridhub.js serve >/dev/null 2>&1 &
  pid=$!
  until curl -sf "http://127.0.0.1:$port/readyz" >/dev/null 2>&1; do sleep 0.02; done
  ready=$(date +%s%N)
  token=$(DATA_DIR=$dir node bin/gridhub.js token city.admin)
  until curl -s "http://127.0.0.1:$port/graphql" -H 'content-type: application/json' \
      -H "authorization: Bearer $token" -d "$query" 2>/dev/null | grep -q totalCount; do sleep 0.02; done
  end=$(date +%s%N)
  kill -TERM "$pid"; wait "$pid" || true
  echo "$(( (ready - start) / 1000000 )) $(( (end - start) / 1000000 ))"
}

# The template, made once if the cache has none (not measured).
warm=$(mktemp -d); once "$warm" "" >/dev/null; rm -rf "$warm"

for i in $(seq 1 "$runs"); do
  dir=$(mktemp -d)
  read -r cold cold_q < <(once "$dir" off)
  rm -rf "$dir"; dir=$(mktemp -d)
  read -r fresh fresh_q < <(once "$dir" "")
  read -r existing existing_q < <(once "$dir" "")
  rm -rf "$dir"
  echo "run $i: /readyz (first query) in ms — fresh DATA_DIR ${fresh} (${fresh_q}), existing ${existing} (${existing_q}), fresh with no template ${cold} (${cold_q}); load $(cut -d' ' -f1 /proc/loadavg)"
done
