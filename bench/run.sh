#!/usr/bin/env bash
# Runs every benchmark against build/ (or $ERX_BIN) and prints the figures.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/.." && pwd)
export ERX_BIN=${ERX_BIN:-$src/build/bin}
n=${1:-5000}
"$here/config_load.sh" "$n"

tmp=$(mktemp -d /tmp/erx-bench-XXXXXX)
# routers in namespaces of their own: datapathd makes an interface per tunnel
ns="erxbench$$"
cleanup() {
  for d in "$tmp/r" "$tmp/r2"; do "$src/deploy/erx-router" stop --dir "$d" >/dev/null 2>&1 || true; done
  ip netns del "$ns" 2>/dev/null || true
  ip netns del "$ns-2" 2>/dev/null || true
  rm -rf "$tmp"
}
trap cleanup EXIT
for n_s in "$ns" "$ns-2"; do ip netns add "$n_s" && ip -n "$n_s" link set lo up; done
"$src/deploy/erx-router" start --name bench --dir "$tmp/r" --bin "$ERX_BIN" --netns "$ns" >/dev/null
"$ERX_BIN/erxsh" --dir "$tmp/r" -c 'configure terminal' -c 'interface tunnel ipsec:lat' \
  -c "license ipsec-tunnels $("$ERX_BIN/erx-license-mint" --tunnels 5000 --id BENCH 2>/dev/null)" >/dev/null
"$ERX_BIN/clone_latency" "$tmp/r" 1000
"$here/gen-tunnels.sh" "$((n - 1))" | "$ERX_BIN/erxsh" --dir "$tmp/r" --quiet -f -  # plus "lat": n tunnels
"$ERX_BIN/clone_latency" "$tmp/r" 200

# admission cost: a fresh router with a 5000-tunnel licence and no tunnels
"$src/deploy/erx-router" stop --dir "$tmp/r" >/dev/null
"$src/deploy/erx-router" start --name bench2 --dir "$tmp/r2" --bin "$ERX_BIN" --netns "$ns-2" >/dev/null
"$ERX_BIN/erxsh" --dir "$tmp/r2" -c 'configure terminal' \
  -c "license ipsec-tunnels $("$ERX_BIN/erx-license-mint" --tunnels 5000 --id BENCH 2>/dev/null)" >/dev/null
"$ERX_BIN/lic-admit-bench" --dir "$tmp/r2" --count 2000

# data path: iperf3 through manual ESP tunnels between two routers in
# network namespaces, against plain veth and openssl speed (root, iperf3)
"$here/dp_throughput.sh"

# strongSwan's userspace ESP (kernel-libipsec) on the same kind of link, for
# comparison (root, strongswan from install-deps.sh --bench, iperf3)
"$here/strongswan_throughput.sh"
