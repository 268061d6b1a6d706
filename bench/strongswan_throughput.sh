#!/usr/bin/env bash
# strongSwan's userspace data path for comparison with datapathd: two charon
# instances (kernel-libipsec: ESP in userspace on a TUN device, the only ESP
# strongSwan can do on a kernel without XFRM states) in network namespaces
# joined like bench/dp_throughput.sh's routers, IKEv1 PSK, then iperf3 TCP
# between the protected addresses for AES-128-GCM and AES-128-CBC+HMAC-SHA1.
# kernel-libipsec forces UDP encapsulation (port 4500), so its packets carry
# 8 bytes more.  Needs root, strongswan (install-deps.sh --bench) and iperf3.
# Usage: strongswan_throughput.sh [SECONDS per run, default 8]
set -euo pipefail
secs=${1:-8}
if ((EUID != 0)) || ! command -v swanctl >/dev/null || [ ! -x /usr/sbin/charon-systemd ] || ! command -v iperf3 >/dev/null; then
  echo "strongswan throughput: skipped (needs root, strongswan and iperf3: scripts/install-deps.sh --bench)"
  exit 0
fi
tmp=$(mktemp -d /tmp/erx-sstp-XXXXXX)
a="erxsta$$" b="erxstb$$"
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
  ip netns del "$a" 2>/dev/null || true
  ip netns del "$b" 2>/dev/null || true
  rm -rf "$tmp"
}
trap cleanup EXIT
die() { echo "strongswan throughput: $*" >&2; exit 1; }

ip netns add "$a"
ip netns add "$b"
ip link add "va$$" type veth peer name "vb$$"
ip link set "va$$" netns "$a"
ip link set "vb$$" netns "$b"
for s in a:192.0.2.1:203.0.113.1:va b:192.0.2.2:203.0.113.2:vb; do
  IFS=: read -r n addr lan dev <<<"$s"
  ns=${!n}
  ip -n "$ns" link set lo up
  ip -n "$ns" addr add "$addr/24" dev "$dev$$"
  ip -n "$ns" link set "$dev$$" up
  ip -n "$ns" addr add "$lan/32" dev lo # kernel-libipsec wants the local selector on an interface
done

# charon NAME NS LOCAL REMOTE LAN_LOCAL LAN_REMOTE
charon() {
  local d="$tmp/$1"
  mkdir -p "$d"
  local opts="load_modular = no
  load = random nonce openssl aes sha1 sha2 md5 hmac gmp kdf kernel-libipsec kernel-netlink socket-default vici
  plugins { vici { socket = unix://$d/charon.vici } }
  filelog { log { path = $d/charon.log
    default = 1 } }
  retransmit_tries = 3
  retransmit_timeout = 1.0"
  printf 'charon { %s }\ncharon-systemd { %s }\nswanctl { socket = unix://%s/charon.vici }\n' "$opts" "$opts" "$d" \
    >"$d/strongswan.conf"
  cat >"$d/gcm.conf" <<CONF
connections {
  gcm { version = 1
    local_addrs = $3
    remote_addrs = $4
    proposals = aes128-sha256-modp2048
    local { auth = psk }
    remote { auth = psk }
    children { gcm { local_ts = $5/32
      remote_ts = $6/32
      esp_proposals = aes128gcm16 } } }
}
secrets { ike-1 { id = $4
  secret = lab-bench-secret } }
CONF
  sed "s/gcm/cbc/g; s/aes128cbc16/aes128-sha1/" "$d/gcm.conf" >"$d/cbc.conf"
  STRONGSWAN_CONF="$d/strongswan.conf" ip netns exec "$2" setsid /usr/sbin/charon-systemd >/dev/null 2>&1 &
  pids+=($!)
  for _ in $(seq 100); do [ -S "$d/charon.vici" ] && break; sleep 0.05; done
  [ -S "$d/charon.vici" ] || die "charon $1 did not start"
}
sw() { local d="$tmp/$1"; shift; STRONGSWAN_CONF="$d/strongswan.conf" swanctl "$@" --uri "unix://$d/charon.vici"; }

ip netns exec "$b" iperf3 -s -p 5202 >"$tmp/iperf3-server.log" 2>&1 &
pids+=($!)
charon A "$a" 192.0.2.1 192.0.2.2 203.0.113.1 203.0.113.2
charon B "$b" 192.0.2.2 192.0.2.1 203.0.113.2 203.0.113.1

speed() { # NAME: loads that connection on both, initiates, runs iperf3, prints Mbit/s
  sw A --load-all --file "$tmp/A/$1.conf" >/dev/null 2>&1 || die "swanctl load A"
  sw B --load-all --file "$tmp/B/$1.conf" >/dev/null 2>&1 || die "swanctl load B"
  sw A --initiate --child "$1" --timeout 20 >"$tmp/init-$1.out" 2>&1 || die "initiate $1: $(tail -n 3 "$tmp/init-$1.out")"
  ip netns exec "$a" ping -c 1 -W 2 -I 203.0.113.1 203.0.113.2 >/dev/null || die "no ping through strongSwan's $1 SA"
  ip netns exec "$a" timeout $((secs + 20)) iperf3 -c 203.0.113.2 -B 203.0.113.1 -p 5202 -t "$secs" -J >"$tmp/$1.json" ||
    die "iperf3 $1 failed"
  python3 -c '
import json, sys
print("%.0f" % (json.load(open(sys.argv[1]))["end"]["sum_received"]["bits_per_second"] / 1e6))' "$tmp/$1.json"
  sw A --terminate --ike "$1" --timeout 5 >/dev/null 2>&1 || true
}
gcm=$(speed gcm)
cbc=$(speed cbc)
printf 'strongswan throughput: iperf3 TCP, %d s each, through kernel-libipsec (userspace ESP in UDP on TUN)\n' "$secs"
printf '  %-28s %8s\n' "ESP aes128-gcm" "$gcm" "ESP aes128-cbc+hmac-sha1" "$cbc"
