#!/usr/bin/env bash
# Loads a 5,000-tunnel configuration through erxsh into a fresh router and
# prints: seconds end to end, configd's peak memory, the restart (replay) time,
# and the same figure for strongSwan loading 5,000 connections when its
# swanctl/charon are installed (scripts/install-deps.sh --bench).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/.." && pwd)
bin=${ERX_BIN:-$src/build/bin}
n=${1:-5000}
tmp=$(mktemp -d /tmp/erx-bench-XXXXXX)
# the router's own namespace: datapathd makes an interface per tunnel
ns="erxbench$$"
trap '"$src/deploy/erx-router" stop --dir "$tmp/r" >/dev/null 2>&1 || true; ip netns del "$ns" 2>/dev/null || true; rm -rf "$tmp"' EXIT
ip netns add "$ns"
ip -n "$ns" link set lo up

"$here/gen-tunnels.sh" "$n" > "$tmp/cfg"
lines=$(wc -l < "$tmp/cfg")
"$src/deploy/erx-router" start --name bench --dir "$tmp/r" --bin "$bin" --netns "$ns" >/dev/null
pid=$(cat "$tmp/r/run/configd.pid")
# every new tunnel is admitted by licensed: a licence for all of them
"$bin/erxsh" --dir "$tmp/r" -c 'configure terminal' \
  -c "license ipsec-tunnels $("$bin/erx-license-mint" --tunnels 5000 --id BENCH 2>/dev/null)" >/dev/null

t0=$(date +%s.%N)
"$bin/erxsh" --dir "$tmp/r" --quiet --timeout 60000 -f "$tmp/cfg"
t1=$(date +%s.%N)
hwm=$(awk '/VmHWM/ {print $2}' "/proc/$pid/status")
count=$("$bin/erxsh" --dir "$tmp/r" -c 'show ipsec tunnel summary' | awk '/Total tunnels/ {print $3}')
[ "$count" = "$n" ] || { echo "expected $n tunnels, configd has $count" >&2; exit 1; }

t2=$(date +%s.%N)
"$src/deploy/erx-router" restart --dir "$tmp/r" --service configd --kill >/dev/null
t3=$(date +%s.%N)
journal=$(wc -c < "$tmp/r/state/journal" 2>/dev/null || echo 0)

# datapathd builds an interface for each tunnel behind configd's back
for _ in $(seq 600); do
  made=$(ip -n "$ns" -o link show 2>/dev/null | grep -c ' ipsec' || true)
  [ "$made" -ge "$n" ] && break
  sleep 0.1
done
t4=$(date +%s.%N)
printf 'config load: %d tunnels (%d lines) through erxsh in %.3f s (%.0f lines/s); configd peak RSS %d KiB\n' \
  "$n" "$lines" "$(awk "BEGIN{print $t1 - $t0}")" "$(awk "BEGIN{print $lines / ($t1 - $t0)}")" "$hwm"
printf 'data path: %d of %d tunnel interfaces (TUN devices) present %.3f s after the load ended\n' "$made" "$n" \
  "$(awk "BEGIN{print $t4 - $t1}")"
printf 'config restart: kill -9 and restart of configd with %d tunnels until it answers: %.3f s (journal %d bytes)\n' \
  "$n" "$(awk "BEGIN{print $t3 - $t2}")" "$journal"

if command -v swanctl >/dev/null && [ -x /usr/sbin/charon-systemd ]; then
  "$here/strongswan_load.sh" "$n"
else
  echo "strongswan: not installed (scripts/install-deps.sh --bench installs it); DESIGN.md quotes 1.2 s for 5,000 connections here"
fi
