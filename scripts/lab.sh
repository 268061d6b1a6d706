#!/usr/bin/env bash
# lab.sh: the two-router lab in one command.  host1 and host2, each in a
# network namespace of its own, joined by a veth link (192.0.2.1 <-> .2),
# with 203.0.113.1 and .2 as the addresses their tunnel protects, and a
# signaled IPsec tunnel between them configured through erxsh with the
# JUNOSe chapter's values (3DES/SHA transform set, pre-shared key, PFS group
# 5; the default ike-policy-rule: 3DES, SHA-1, group 2).  iked negotiates it.
#
#   scripts/lab.sh up      build/bin by default; waits until the tunnel is up
#   scripts/lab.sh down    stops both routers, removes the namespaces
#
# ERX_BIN (default build/bin), ERX_LAB_DIR (default /tmp/erx-lab) and
# ERX_LAB_NS (namespace prefix, default erxlab) let several labs coexist.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
BIN=${ERX_BIN:-$root/build/bin}
DIR=${ERX_LAB_DIR:-/tmp/erx-lab}
NS=${ERX_LAB_NS:-erxlab}
ROUTER=$root/deploy/erx-router
UP_WAIT_S=30

die() {
  echo "lab.sh: $*" >&2
  exit 1
}

# router NAME ADDR PEER LAN PEER_LAN TUNNEL_ADDR
configure() {
  "$BIN/erxsh" --dir "$DIR/$1" -c 'configure terminal' \
    -c 'ipsec transform-set lab-ts esp-3des-hmac-sha' \
    -c "ipsec key manual pre-share $3" -c 'key lab-secret' -c 'exit' \
    -c 'interface tunnel ipsec:lab' -c "ip address $6 255.255.255.252" -c 'tunnel transform-set lab-ts' \
    -c "tunnel source $2" -c "tunnel destination $3" -c "tunnel local-identity address $4" \
    -c "tunnel peer-identity address $5" -c 'tunnel pfs group 5' -c 'end' >"$DIR/$1.cfg.out" ||
    die "$1 refused its configuration: $(grep -B1 '%' "$DIR/$1.cfg.out")"
}

up() {
  [[ -x $BIN/erxsh ]] || die "no $BIN/erxsh: build first (cmake -S . -B build && cmake --build build -j2)"
  ! ip netns list | grep -qw "$NS-host1" || die "namespace $NS-host1 exists: scripts/lab.sh down first"
  mkdir -p "$DIR"
  ip netns add "$NS-host1"
  ip netns add "$NS-host2"
  ip link add "$NS-v1" type veth peer name "$NS-v2"
  ip link set "$NS-v1" netns "$NS-host1"
  ip link set "$NS-v2" netns "$NS-host2"
  local i
  for i in 1 2; do
    ip -n "$NS-host$i" link set lo up
    ip -n "$NS-host$i" addr add "192.0.2.$i/24" dev "$NS-v$i"
    ip -n "$NS-host$i" addr add "203.0.113.$i/32" dev lo
    ip -n "$NS-host$i" link set "$NS-v$i" up
    "$ROUTER" start --name "host$i" --dir "$DIR/host$i" --netns "$NS-host$i" --bin "$BIN" >/dev/null ||
      die "host$i did not start (logs: $DIR/host$i/log)"
  done
  configure host1 192.0.2.1 192.0.2.2 203.0.113.1 203.0.113.2 198.51.100.1
  configure host2 192.0.2.2 192.0.2.1 203.0.113.2 203.0.113.1 198.51.100.2
  for ((i = 0; i < UP_WAIT_S * 10; i++)); do
    "$BIN/erxsh" --dir "$DIR/host1" -c 'show ipsec tunnel ipsec:lab detail' 2>/dev/null |
      grep -q 'Operational state: *up' && break
    sleep 0.1
  done
  ip netns exec "$NS-host1" ping -q -c 2 -W 2 -I 203.0.113.1 203.0.113.2 >/dev/null ||
    die "the tunnel did not carry a ping within ${UP_WAIT_S} s (logs: $DIR/host*/log/iked.log)"
  cat <<EOF
lab up: host1 (namespace $NS-host1) and host2 ($NS-host2), tunnel ipsec:lab negotiated by iked.
  $BIN/erxsh --dir $DIR/host1          the CLI of host1 (try: show ipsec ike-sa, show ipsec tunnel detail)
  ip netns exec $NS-host1 ping -I 203.0.113.1 203.0.113.2
  scripts/lab.sh down
EOF
}

down() {
  local i
  for i in 1 2; do
    if [[ -f $DIR/host$i/router.env ]]; then "$ROUTER" stop --dir "$DIR/host$i" >/dev/null 2>&1 || true; fi
    # the routers' VR namespaces are named after theirs
    ip netns list 2>/dev/null | awk '{print $1}' | grep -E "^$NS-host$i(-|$)" | xargs -r -n1 ip netns del || true
  done
  echo "lab down"
}

case ${1:-} in
  up) up ;;
  down) down ;;
  *) sed -n '2,13p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2 ;;
esac
