#!/usr/bin/env bash
# docker-compose.yml is valid (no Docker engine here: the same router runs
# through deploy/erx-router in the other tests) and runs every service program
# that the build makes.
set -euo pipefail
: "${ERX_SRC:?}" "${ERX_BIN:?}"
cd "$ERX_SRC"
command -v docker-compose >/dev/null || { echo "FAIL: docker-compose is not installed" >&2; exit 1; }
docker-compose config -q
services=$(docker-compose config --services)
for svc in configd licensed datapathd iked dpd-monitor; do
  [ -x "$ERX_BIN/$svc" ] || continue
  grep -qx "$svc" <<<"$services" || { echo "FAIL: $svc is built but not in docker-compose.yml" >&2; exit 1; }
done
echo "compose: ok ($(echo "$services" | tr '\n' ' '))"
