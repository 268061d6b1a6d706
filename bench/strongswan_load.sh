#!/usr/bin/env bash
# strongSwan's figure for the config-load benchmark: charon (charon-systemd,
# in its own network namespace) loads the same N tunnels as IKEv1
# connections and PSK secrets through swanctl, timed end to end.
set -euo pipefail
n=${1:-5000}
tmp=$(mktemp -d /tmp/erx-ssbench-XXXXXX)
ns="erxss$$"
pid=""
cleanup() {
  [ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null || true
  ip netns del "$ns" 2>/dev/null || true
  rm -rf "$tmp"
}
trap cleanup EXIT

opts="load_modular = no
  load = random nonce openssl aes sha1 sha2 md5 hmac gmp kdf kernel-libipsec kernel-netlink socket-default vici
  plugins { vici { socket = unix://$tmp/charon.vici } }
  filelog { log { path = $tmp/charon.log
    default = 0 } }
  install_routes = no"
cat > "$tmp/strongswan.conf" <<CONF
charon { $opts }
charon-systemd { $opts }
swanctl { socket = unix://$tmp/charon.vici }
CONF

awk -v n="$n" 'BEGIN {
  print "connections {"
  for (i = 0; i < n; i++) {
    a = int(i / 250); b = i % 250 + 1
    printf "  t%05d {\n    version = 1\n    local_addrs = 192.0.2.1\n    remote_addrs = 198.51.%d.%d\n", i, a, b
    printf "    proposals = 3des-sha1-modp1024\n    local { auth = psk }\n    remote { auth = psk }\n"
    printf "    children { t%05d { local_ts = 172.16.%d.0/24\n      remote_ts = 172.17.%d.0/24\n", i, i % 256, i % 256
    printf "      esp_proposals = 3des-sha1-aes128-sha1-modp1536 } }\n  }\n"
  }
  print "}\nsecrets {"
  for (i = 0; i < n; i++) {
    a = int(i / 250); b = i % 250 + 1
    printf "  ike-%05d { id = 198.51.%d.%d\n    secret = bench-secret-%d }\n", i, a, b, i
  }
  print "}"
}' > "$tmp/swanctl.conf"

ip netns add "$ns"
ip netns exec "$ns" ip link set lo up
STRONGSWAN_CONF="$tmp/strongswan.conf" ip netns exec "$ns" setsid /usr/sbin/charon-systemd >/dev/null 2>&1 &
pid=$!
for _ in $(seq 100); do [ -S "$tmp/charon.vici" ] && break; sleep 0.05; done
[ -S "$tmp/charon.vici" ] || { echo "strongswan: charon did not start" >&2; exit 1; }
t0=$(date +%s.%N)
STRONGSWAN_CONF="$tmp/strongswan.conf" swanctl --load-all --file "$tmp/swanctl.conf" \
  --uri "unix://$tmp/charon.vici" >"$tmp/load.out" 2>&1 || { grep -v "^plugin" "$tmp/load.out" | head -5 >&2; cat "$tmp/charon.log" >&2; exit 1; }
t1=$(date +%s.%N)
loaded=$(STRONGSWAN_CONF="$tmp/strongswan.conf" swanctl --list-conns --uri "unix://$tmp/charon.vici" 2>/dev/null | grep -c '^t[0-9]*: IKEv1')
rss=$(awk '/VmHWM/ {print $2}' "/proc/$pid/status")
printf 'strongswan: swanctl --load-all of %d IKEv1 connections and %d secrets into charon in %.3f s; charon peak RSS %d KiB\n' \
  "$loaded" "$n" "$(awk "BEGIN{print $t1 - $t0}")" "$rss"
