#!/usr/bin/env bash
# Data path throughput: TCP (iperf3) between the protected addresses of two
# erx-ipsec routers in network namespaces, through a manual ESP tunnel with
# AES-128-GCM and with AES-128-CBC + HMAC-SHA1, next to plain TCP over the
# same veth link without IPsec and to what one core's crypto allows at
# ~1400-byte packets (openssl speed).  Prints a table of Mbit/s and ratios,
# datapathd's CPU use on both routers and their drop counters.
# Needs root; usage: dp_throughput.sh [SECONDS per run, 5-10, default 8]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
export ERX_SRC=${ERX_SRC:-$(cd "$here/.." && pwd)}
export ERX_BIN=${ERX_BIN:-$ERX_SRC/build/bin}
secs=${1:-8}
((secs >= 5 && secs <= 10)) || { echo "dp throughput: SECONDS must be 5-10" >&2; exit 2; }
if ((EUID != 0)) || ! command -v iperf3 >/dev/null; then
  echo "dp throughput: skipped (needs root and iperf3: scripts/install-deps.sh)"
  exit 0
fi
# shellcheck source=tests/e2e/lib.sh
source "$ERX_SRC/tests/e2e/lib.sh"
# shellcheck source=tests/e2e/manual_pair.sh
source "$ERX_SRC/tests/e2e/manual_pair.sh"

pair_up
#           name transform            spi A->B B->A LAN A        LAN B        tunnel A      tunnel B      mtu
pair_tunnel gcm  esp-aes128-gcm       1101     2101 203.0.113.1  203.0.113.2  198.51.100.1  198.51.100.2  1400
pair_tunnel cbc  esp-aes128-hmac-sha  1102     2102 203.0.113.3  203.0.113.4  198.51.100.5  198.51.100.6  1400
for t in gcm cbc; do
  wait_up "$RA" "$t"
  wait_up "$RB" "$t"
done

# the iperf3 server in host2's namespace (ip netns exec execs: $! is iperf3)
ip netns exec "$NSB" iperf3 -s -p 5201 >"$TMP/iperf3-server.log" 2>&1 &
srv=$!
BG_PIDS+=("$srv")
for ((i = 0; i < 50; i++)); do
  ip netns exec "$NSB" ss -ltnH 'sport = :5201' | grep -q . && break
  sleep 0.1
done
ip netns exec "$NSB" ss -ltnH 'sport = :5201' | grep -q . || fail "iperf3 server did not listen: $(cat "$TMP/iperf3-server.log")"

# datapathd's CPU time in clock ticks (utime + stime), both routers
hz=$(getconf CLK_TCK)
dp_ticks() { awk '{print $14 + $15}' "/proc/$(cat "$1/run/datapathd.pid")/stat"; }

# run NAME FROM TO: one iperf3 client run; sets MBPS RETR CPU_A CPU_B (% of a core)
run() {
  local a0 b0 a1 b1 t0 t1
  a0=$(dp_ticks "$RA") b0=$(dp_ticks "$RB") t0=$(date +%s.%N)
  ip netns exec "$NSA" timeout $((secs + 20)) iperf3 -c "$3" -B "$2" -p 5201 -t "$secs" -J >"$TMP/$1.json" ||
    fail "iperf3 $1 failed: $(tail -n 5 "$TMP/$1.json")"
  a1=$(dp_ticks "$RA") b1=$(dp_ticks "$RB") t1=$(date +%s.%N)
  read -r MBPS RETR < <(python3 -c '
import json, sys
e = json.load(open(sys.argv[1]))["end"]
print("%.0f %d" % (e["sum_received"]["bits_per_second"] / 1e6, e["sum_sent"].get("retransmits", 0)))' "$TMP/$1.json")
  CPU_A=$(awk -v d=$((a1 - a0)) -v hz="$hz" -v t="$(awk -v a="$t0" -v b="$t1" 'BEGIN{print b - a}')" 'BEGIN{printf "%.0f", 100 * d / hz / t}')
  CPU_B=$(awk -v d=$((b1 - b0)) -v hz="$hz" -v t="$(awk -v a="$t0" -v b="$t1" 'BEGIN{print b - a}')" 'BEGIN{printf "%.0f", 100 * d / hz / t}')
}

# openssl speed at 1408-byte blocks (one core), in Mbit/s
speed() { # ALG [-evp|-hmac]
  openssl speed -mr -seconds 2 -bytes 1408 "${2:--evp}" "$1" 2>/dev/null |
    awk -F: '/^\+F:/ {printf "%.0f", $4 * 8 / 1e6}'
}
gcm_lim=$(speed aes-128-gcm)
cbc_lim=$(speed aes-128-cbc)
sha_lim=$(speed sha1)
hmac_lim=$(speed sha1 -hmac)
[[ -n $gcm_lim && -n $cbc_lim && -n $sha_lim ]] || fail "openssl speed gave no figures"
cbcsha_lim=$(awk -v a="$cbc_lim" -v s="$sha_lim" 'BEGIN{printf "%.0f", 1 / (1 / a + 1 / s)}')

run veth 192.0.2.1 192.0.2.2
veth=$MBPS veth_retr=$RETR
run gcm 203.0.113.1 203.0.113.2
gcm=$MBPS gcm_retr=$RETR gcm_cpu="$CPU_A/$CPU_B"
run cbc 203.0.113.3 203.0.113.4
cbc=$MBPS cbc_retr=$RETR cbc_cpu="$CPU_A/$CPU_B"
kill "$srv" 2>/dev/null || true
wait "$srv" 2>/dev/null || true

ratio() { awk -v a="$1" -v b="$2" 'BEGIN{printf "%.2f", a / b}'; }
echo "dp throughput: iperf3 TCP, ${secs} s each, host1 -> host2 (2 cores shared by both routers, iperf3 and the kernel)"
printf '  %-26s %9s %9s %12s %9s %9s %s\n' path Mbit/s retrans crypto-limit /crypto /veth "datapathd CPU % host1/host2"
printf '  %-26s %9s %9s %12s %9s %9s %s\n' "veth, no IPsec" "$veth" "$veth_retr" - - 1.00 -
printf '  %-26s %9s %9s %12s %9s %9s %s\n' "ESP aes128-gcm" "$gcm" "$gcm_retr" "$gcm_lim" \
  "$(ratio "$gcm" "$gcm_lim")" "$(ratio "$gcm" "$veth")" "$gcm_cpu"
printf '  %-26s %9s %9s %12s %9s %9s %s\n' "ESP aes128-cbc+hmac-sha1" "$cbc" "$cbc_retr" "$cbcsha_lim" \
  "$(ratio "$cbc" "$cbcsha_lim")" "$(ratio "$cbc" "$veth")" "$cbc_cpu"
echo "  crypto limit (openssl speed, 1408-byte blocks, one core, Mbit/s): aes-128-gcm $gcm_lim;" \
  "aes-128-cbc $cbc_lim, sha1 $sha_lim (hmac-sha1 $hmac_lim), cbc+sha1 1/(1/aes + 1/sha1) = $cbcsha_lim"

# what the routers counted: drops in either direction show here
for r in "$RA" "$RB"; do
  for t in gcm cbc; do
    "$ERXSH" --dir "$r" -c "show ipsec tunnel ipsec:$t detail" |
      awk -v r="$(basename "$r")" -v t="$t" '/^ *(Inbound|Outbound):|^ *errors:/ {sub(/^ */, ""); line = line "; " $0}
        END {print "  " r " " t line}'
  done
done
# and what the kernel dropped around datapathd: TUN drops (tx: its queue
# full while datapathd reads; rx: datapathd's writes refused), raw ESP socket
# drops (receive buffer full)
for ns in "$NSA" "$NSB"; do
  tun=$(ip -n "$ns" -s link show | awk '/^[0-9]+: ipsec/ {name = $2; sub(/:$/, "", name)}
      name && /RX:/ {getline; rx = $4}
      name && /TX:/ {getline; printf "%s%s rx_dropped %s tx_dropped %s", sep, name, rx, $4; sep = ", "; name = ""}')
  # shellcheck disable=SC2016 # awk's fields
  raw=$(ip netns exec "$ns" awk 'NR > 1 && $NF > 0 {d += $NF} END {print d + 0}' /proc/net/raw)
  echo "  kernel drops in $ns: $tun; raw socket drops $raw"
done
