#!/usr/bin/env bash
# strongSwan's figure for bench/ike_setup_rate.sh: IKEv1 tunnel setup rate
# between two charon instances (charon-systemd) in network namespaces of
# their own joined by a veth, with the same addressing, proposals and
# measurement as the erx-ipsec run: N connections, each its own main mode +
# quick mode (PSK, 3DES-SHA1-MODP1536, PFS group 5), each on its own
# (local, peer) address pair (A holds ceil(N/250) addresses of 192.0.2.0/24,
# B min(N,250) of 198.51.100.0/24).
#
# Debian does not build strongSwan's load-tester plugin, so this is not the
# load-tester measurement: both charons get all N connections, then all N
# are initiated on A, back to back on one vici connection ("initiate" with a
# negative timeout: charon sends main mode's first message and answers at
# once, without waiting for the SA), and the clock runs from the first
# initiate request until both charons have logged N CHILD_SAs established
# (polled every 100 ms).  Unlike load-tester the SAs
# are installed: kernel-libipsec (userspace ESP on a TUN device, the only
# ESP strongSwan has on this kernel), which forces NAT-T (UDP 4500).
#
# Usage: strongswan_setup_rate.sh N [TIMEOUT_S]
# Prints one line: "strongswan-setup n=N up=U secs=S rate=R last=L" (rate in
# SAs/s from the polled time S; up < N when the timeout hit first; L: when
# the last CHILD_SA was logged, to the millisecond), then detail lines
# starting with "  ".
# Needs root, strongswan-swanctl, charon-systemd, libcharon-extra-plugins.
set -euo pipefail
n=${1:?usage: strongswan_setup_rate.sh N [TIMEOUT_S]}
limit=${2:-$((60 + n / 5))}
if ((EUID != 0)) || ! command -v swanctl >/dev/null || [ ! -x /usr/sbin/charon-systemd ]; then
  echo "strongswan-setup n=$n up=0 secs=0 rate=0 skipped (needs root and strongswan-swanctl charon-systemd libcharon-extra-plugins)"
  exit 0
fi
((n >= 1 && n <= 1000)) || { echo "strongswan_setup_rate: N must be 1..1000 (TEST-NET addressing)" >&2; exit 2; }
tmp=$(mktemp -d /tmp/erx-sssr-XXXXXX)
a="erxssra$$" b="erxssrb$$" va="ssra$$" vb="ssrb$$"
pids=()
alive() { # PID runs (a zombie, which kill -0 still finds, does not)
  local st
  st=$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null) || return 1
  [ -n "$st" ] && [ "$st" != Z ]
}
cleanup() {
  set +e
  local p
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
  for p in "${pids[@]}"; do
    for _ in $(seq 50); do alive "$p" || break; sleep 0.1; done
    kill -9 "$p" 2>/dev/null
    wait "$p" 2>/dev/null
  done
  ip netns del "$a" 2>/dev/null || true
  ip netns del "$b" 2>/dev/null || true
  if [ -n "${IKE_BENCH_KEEP:-}" ]; then # keep charon's logs and configurations
    mkdir -p "$IKE_BENCH_KEEP/strongswan-$n"
    cp -r "$tmp"/A "$tmp"/B "$tmp"/*.conf "$IKE_BENCH_KEEP/strongswan-$n/" 2>/dev/null || true
  fi
  rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
die() { echo "strongswan_setup_rate: $*" >&2; exit 1; }
now() { date +%s.%N; }

na=$(((n + 249) / 250)) nb=$((n < 250 ? n : 250))
ip netns add "$a"
ip netns add "$b"
ip link add "$va" type veth peer name "$vb"
ip link set "$va" netns "$a"
ip link set "$vb" netns "$b"
for ns in "$a" "$b"; do ip -n "$ns" link set lo up; done
for ((i = 1; i <= na; i++)); do ip -n "$a" addr add "192.0.2.$i/24" dev "$va"; done
for ((i = 1; i <= nb; i++)); do ip -n "$b" addr add "198.51.100.$i/24" dev "$vb"; done
ip -n "$a" link set "$va" up
ip -n "$b" link set "$vb" up
ip -n "$a" route add 198.51.100.0/24 dev "$va"
ip -n "$b" route add 192.0.2.0/24 dev "$vb"
# the protected addresses (kernel-libipsec wants the local selector on an
# interface): tunnel k joins 203.0.113.(200 + k/125) on A with
# 203.0.113.(1 + k%125) on B, so every (local, remote) selector pair differs
for ((i = 0; i < (n + 124) / 125; i++)); do ip -n "$a" addr add "203.0.113.$((200 + i))/32" dev lo; done
for ((i = 1; i <= (n < 125 ? n : 125); i++)); do ip -n "$b" addr add "203.0.113.$i/32" dev lo; done
ip netns exec "$a" ping -c 1 -W 2 -I "192.0.2.$na" "198.51.100.$nb" >/dev/null || die "no connectivity between the namespaces"

# charon NAME NS: a strongswan.conf of its own and charon-systemd in NS
charon() {
  local d="$tmp/$1"
  mkdir -p "$d"
  # block_threshold: up to 250 half-open IKE_SAs come from one address of A
  local opts="load_modular = no
  load = random nonce openssl aes sha1 sha2 md5 hmac gmp kdf kernel-libipsec kernel-netlink socket-default vici
  plugins { vici { socket = unix://$d/charon.vici } }
  filelog { log { path = $d/charon.log
    default = 0
    ike = 0
    time_format = %s
    time_add_ms = yes
    flush_line = yes } }
  install_routes = no
  block_threshold = 100000
  retransmit_tries = 5
  retransmit_timeout = 2.0"
  printf 'charon { %s }\ncharon-systemd { %s }\nswanctl { socket = unix://%s/charon.vici }\n' "$opts" "$opts" "$d" \
    >"$d/strongswan.conf"
  STRONGSWAN_CONF="$d/strongswan.conf" ip netns exec "$2" setsid /usr/sbin/charon-systemd >/dev/null 2>&1 &
  pids+=($!)
  local i
  for ((i = 0; i < 100; i++)); do [ -S "$d/charon.vici" ] && break; sleep 0.05; done
  [ -S "$d/charon.vici" ] || die "charon $1 did not start"
}
sw() { local d="$tmp/$1"; shift; STRONGSWAN_CONF="$d/strongswan.conf" timeout 120 swanctl "$@" --uri "unix://$d/charon.vici"; }

# swanctl.conf for side A (initiator) or B: connection tNNNN = tunnel k
conf() {
  awk -v n="$n" -v side="$1" 'BEGIN {
    print "connections {"
    for (k = 0; k < n; k++) {
      la = "192.0.2." (int(k / 250) + 1); lb = "198.51.100." (k % 250 + 1)
      ta = "203.0.113." (200 + int(k / 125)); tb = "203.0.113." (k % 125 + 1)
      if (side == "A") { l = la; r = lb; lt = ta; rt = tb } else { l = lb; r = la; lt = tb; rt = ta }
      printf "  t%04d { version = 1\n    aggressive = no\n    local_addrs = %s\n    remote_addrs = %s\n", k, l, r
      printf "    proposals = 3des-sha1-modp1536\n    rekey_time = 0\n    local { auth = psk }\n    remote { auth = psk }\n"
      printf "    children { t%04d { local_ts = %s/32\n      remote_ts = %s/32\n", k, lt, rt
      printf "      esp_proposals = 3des-sha1-modp1536\n      rekey_time = 0 } } }\n"
    }
    print "}\nsecrets { ike-bench { secret = bench-setup-secret } }"
  }' >"$tmp/$1.swanctl.conf"
}

charon A "$a"
charon B "$b"
conf A
conf B
sw B --load-all --file "$tmp/B.swanctl.conf" >"$tmp/loadB.out" 2>&1 || die "swanctl load B: $(tail -n 3 "$tmp/loadB.out")"
sw A --load-all --file "$tmp/A.swanctl.conf" >"$tmp/loadA.out" 2>&1 || die "swanctl load A: $(tail -n 3 "$tmp/loadA.out")"
loaded=$(sw A --list-conns 2>/dev/null | grep -c '^t[0-9]*: IKEv1' || true)
[ "$loaded" = "$n" ] || die "charon A has $loaded of $n connections"

cpu() { awk '{print $14 + $15}' "/proc/$1/stat" 2>/dev/null || echo 0; } # utime + stime, ticks
hz=$(getconf CLK_TCK)
cpu_a0=$(cpu "${pids[0]}") cpu_b0=$(cpu "${pids[1]}")

# the trigger: N vici "initiate" requests (timeout -1: queued, no waiting)
# on one connection; a minimal vici client (the protocol of
# src/libcharon/plugins/vici/README.md: length-prefixed packets, request
# name, key/value elements)
timeout 60 python3 - "$tmp/A/charon.vici" "$n" >"$tmp/trigger.out" 2>&1 <<'PY' || die "vici initiate failed: $(tail -n 3 "$tmp/trigger.out")"
import socket, struct, sys, time
path, n = sys.argv[1], int(sys.argv[2])
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.connect(path)
t_first = time.time()
def kv(k, v):
    k, v = k.encode(), v.encode()
    return bytes([3, len(k)]) + k + struct.pack(">H", len(v)) + v
def recv_exact(m):
    b = b""
    while len(b) < m:
        c = s.recv(m - len(b))
        if not c:
            raise SystemExit("vici closed the connection")
        b += c
    return b
for k in range(n):
    body = bytes([0, len(b"initiate")]) + b"initiate" + kv("child", "t%04d" % k) + kv("timeout", "-1")
    s.sendall(struct.pack(">I", len(body)) + body)
    (ln,) = struct.unpack(">I", recv_exact(4))
    reply = recv_exact(ln)
    if reply[0] != 1 or b"success\x00\x03yes" not in reply:
        raise SystemExit("initiate t%04d: %r" % (k, reply[:200]))
print("%.6f %.6f" % (t_first, time.time()))
PY
read -r t0 t_trig_end <"$tmp/trigger.out"
deadline=$(awk -v t="$t0" -v l="$limit" 'BEGIN {printf "%d", t + l}')
up=0 ua=0 ub=0
while :; do
  ua=$(grep -c 'CHILD_SA .* established' "$tmp/A/charon.log" 2>/dev/null || true)
  ub=$(grep -c 'CHILD_SA .* established' "$tmp/B/charon.log" 2>/dev/null || true)
  up=$((ua < ub ? ua : ub))
  [ "$up" -ge "$n" ] && break
  [ "$(date +%s)" -ge "$deadline" ] && break
  sleep 0.1
done
t1=$(now)
cpu_a1=$(cpu "${pids[0]}") cpu_b1=$(cpu "${pids[1]}")
secs=$(awk -v a="$t0" -v b="$t1" 'BEGIN {printf "%.3f", b - a}')
rate=$(awk -v u="$up" -v s="$secs" 'BEGIN {printf "%.1f", (s > 0 ? u / s : 0)}')
# the last CHILD_SA established, to the millisecond (time_add_ms)
last=$(cat "$tmp/A/charon.log" "$tmp/B/charon.log" | awk -v t0="$t0" '/CHILD_SA .* established/ {
  if ($1 + 0 > m) m = $1 + 0 } END {if (m) printf "%.3f", m - t0; else print "-"}')
printf 'strongswan-setup n=%d up=%d secs=%s rate=%s last=%s\n' "$n" "$up" "$secs" "$rate" "$last"
printf '  trigger: %d vici initiate requests in %.3f s (inside the measured time)\n' "$n" \
  "$(awk -v a="$t0" -v b="$t_trig_end" 'BEGIN {print b - a}')"
printf '  CHILD_SAs established: A %d, B %d of %d; CPU during setup: charon A %.2f s, charon B %.2f s\n' "$ua" "$ub" "$n" \
  "$(awk -v x="$cpu_a0" -v y="$cpu_a1" -v h="$hz" 'BEGIN {print (y - x) / h}')" \
  "$(awk -v x="$cpu_b0" -v y="$cpu_b1" -v h="$hz" 'BEGIN {print (y - x) / h}')"
# what was negotiated, from charon A's view of the first SA
sa=$(sw A --list-sas --ike t0000 2>/dev/null | grep -E 'IKEv1|3DES|MODP|INSTALLED' | sed -E 's/^ +//' | tr '\n' ' ' || true)
printf '  t0000 on charon A: %s\n' "${sa:-(no SA)}"
if [ "$up" -lt "$n" ]; then
  printf '  %s\n' "timeout after ${limit} s; last charon A lines:"
  grep -v 'established' "$tmp/A/charon.log" | tail -n 5 | sed 's/^/    /'
fi
