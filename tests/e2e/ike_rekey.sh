#!/usr/bin/env bash
# iked keeps a tunnel's traffic flowing across its rekeys.  Two routers with
# a 20 s phase-2 lifetime (LAB ONLY: ERX_LAB_CHILD_LIFETIME_S, the CLI starts
# at 1800 s):
#  a. time: 5 pings/s for ~50 s across a signaled tunnel see at least two
#     rekeys and lose at most one ping; the old inbound SA leaves ~5 s after
#     each rekey (never more than one retiring), and at the end both routers
#     agree on the one current pair (A out = B in, B out = A in);
#  b. volume: a second tunnel with `tunnel lifetime kilobytes 102400` carries
#     iperf3 past 90% of it: datapathd's soft limit makes iked rekey (both
#     sides see it at once: the quick-mode collision) before the hard limit,
#     and pings beside it lose at most one;
#  c. tshark, on a capture of UDP 500/4500, flags nothing as malformed or as
#     an expert error and sees the quick modes and informational exchanges
#     (the delete notifications) the rekeys sent;
#  d. the tunnel removed on B: B's delete notification makes A log that its
#     peer deleted the SA pair and take the tunnel down within seconds.
# IKE_REKEY_KEEP=FILE keeps the capture.  Needs iked, iperf3, tcpdump, tshark.
# shellcheck source=tests/e2e/lib.sh
source "$(dirname "$0")/lib.sh"
# shellcheck source=tests/e2e/manual_pair.sh
source "$(dirname "$0")/manual_pair.sh"
[ -x "$ERX_BIN/iked" ] || fail "no $ERX_BIN/iked (configure with -DERX_IKED=ON)"
for p in iperf3 tcpdump tshark; do
  command -v "$p" >/dev/null || fail "$p not installed (scripts/install-deps.sh)"
done
LIFE=20

# the routers' iked (started by erx-router) inherit the lab lifetime
export ERX_LAB_CHILD_LIFETIME_S=$LIFE
pair_up
unset ERX_LAB_CHILD_LIFETIME_S
for r in "$RA" "$RB"; do
  grep -q 'LAB ONLY: phase-2 lifetime forced to 20 s' "$r/log/iked.log" || fail "iked in $r did not take the lab lifetime"
done

# capture IKE on host2's end of the link for the whole test (part c)
veth=$(ip -n "$NSB" -o link show type veth | awk -F': ' '{sub(/@.*/, "", $2); print $2; exit}')
[ -n "$veth" ] || fail "no veth in $NSB"
cap="$TMP/ike.pcap"
capture_start "$NSB" "$cap" 170 -i "$veth" 'udp port 500 or udp port 4500'
cap_pid=$CAP_PID

ip -n "$NSA" addr add 203.0.113.1/32 dev lo
ip -n "$NSB" addr add 203.0.113.2/32 dev lo
ip -n "$NSA" addr add 203.0.113.3/32 dev lo
ip -n "$NSB" addr add 203.0.113.4/32 dev lo
signaled_tunnel "$RA" sig esp-3des-hmac-sha 192.0.2.1 192.0.2.2 203.0.113.1 203.0.113.2 198.51.100.1 lab-secret 'tunnel pfs group 5'
signaled_tunnel "$RB" sig esp-3des-hmac-sha 192.0.2.2 192.0.2.1 203.0.113.2 203.0.113.1 198.51.100.2 lab-secret 'tunnel pfs group 5'
wait_up "$RA" sig
wait_up "$RB" sig

# SA tables: sa_dump DIR FILE; then on FILE: spis FILE NAME in|out, count, the
# youngest SA's age (seconds)
sa_dump() { "$ERXSH" --dir "$1" -c 'show ipsec sa' >"$2" 2>&1 || true; }
spis() { awk -v t="ipsec:$2" -v d="$3" '$1 == t && $2 == d {print $3}' "$1"; }
nsa() { awk -v t="ipsec:$2" -v d="$3" '$1 == t && $2 == d {n++} END {print n + 0}' "$1"; }
youngest() {
  awk -v t="ipsec:$2" -v d="$3" '$1 == t && $2 == d {a = $8; sub(/s$/, "", a); if (m == "" || a + 0 < m) m = a + 0}
    END {print m + 0}' "$1"
}
nospi() { "$ERXSH" --dir "$1" -c 'show ipsec sa' | awk '/packets for no SA/ {n = $NF} END {print n + 0}'; }
rekeys() { grep -c "ipsec:$2: phase 2 .* rekeyed" "$1/log/iked.log" || true; }
softs() { cat "$RA/log/iked.log" "$RB/log/iked.log" | grep -c "ipsec:$1: SA .* reached its soft limit" || true; }
lost() { awk '/packets transmitted/ {print $1 - $4; f = 1} END {if (!f) print "all"}' "$1"; }
sent() { awk '/packets transmitted/ {print $1}' "$1"; }
# the pings (ping -D -O) never answered, with about when they left (UTC, as
# the services' logs), to set beside the rekeys
lost_when() {
  local seq ts
  awk '{for (i = 1; i <= NF; i++) if ($i ~ /^icmp_seq=/) {sub(/icmp_seq=/, "", $i); n[$i] = 1; if ($0 ~ /bytes from/) ok[$i] = 1}}
    END {for (k in n) if (!ok[k]) print k}' "$1" | sort -n | while read -r seq; do
    ts=$(awk -v s="icmp_seq=$seq" '$0 ~ "no answer yet for " s "$" {gsub(/[][]/, "", $1); print $1; exit}' "$1")
    echo "icmp_seq=$seq ${ts:+at $(date -u -d "@$ts" +%H:%M:%S.%3N)}"
  done
}

# ---- a. time-based rekeys under 5 pings/s ----
PINGS=250
na0=$(nospi "$RA") nb0=$(nospi "$RB")
ip netns exec "$NSA" ping -D -O -c "$PINGS" -i 0.2 -W 1 -w 60 -I 203.0.113.1 203.0.113.2 >"$TMP/ping-a.out" 2>&1 &
ping_pid=$!
BG_PIDS+=("$ping_pid")
# watch both tables while it runs: at most one outbound SA (a second one
# seen twice in a row is not the moment of a switch), at most one retiring
# inbound SA, and none older than ~6 s after the pair that replaced it
out2=0 max_in=0 linger=""
while kill -0 "$ping_pid" 2>/dev/null; do
  for side in a b; do
    if [ "$side" = a ]; then sa_dump "$RA" "$TMP/w-$side.out"; else sa_dump "$RB" "$TMP/w-$side.out"; fi
    nin=$(nsa "$TMP/w-$side.out" sig in) nout=$(nsa "$TMP/w-$side.out" sig out)
    ((nin > max_in)) && max_in=$nin
    if ((nout > 1)); then
      ((++out2 >= 2)) && fail "router $side holds $nout outbound SAs: $(cat "$TMP/w-$side.out")"
    else
      out2=0
    fi
    ((nin > 2)) && fail "router $side holds $nin inbound SAs for ipsec:sig: $(cat "$TMP/w-$side.out")"
    if ((nin == 2)) && (($(youngest "$TMP/w-$side.out" sig in) >= 7)); then
      linger="router $side: $(cat "$TMP/w-$side.out")"
    fi
  done
  [ -z "$linger" ] || fail "a retired inbound SA outlived its successor by 7 s or more: $linger"
  sleep 0.5
done
wait "$ping_pid" || true
la=$(lost "$TMP/ping-a.out")
[ "$la" != all ] || fail "ping gave no summary: $(cat "$TMP/ping-a.out")"
ra=$(rekeys "$RA" sig) rb=$(rekeys "$RB" sig)
echo "ike_rekey: ${LIFE} s lifetime: $(sent "$TMP/ping-a.out") pings at 5/s, $la lost; phase-2 rekeys logged: A $ra, B $rb; at most $max_in inbound SAs at once; ESP packets for no SA: A $(($(nospi "$RA") - na0)), B $(($(nospi "$RB") - nb0))"
((la == 0)) || echo "ike_rekey: lost: $(lost_when "$TMP/ping-a.out" | paste -sd ' '); rekeys at $(grep 'ipsec:sig: phase 2 .* rekeyed' "$RA/log/iked.log" | cut -c12-23 | paste -sd ' ')"
((ra >= 2 || rb >= 2)) || fail "fewer than 2 rekeys in ~50 s with a ${LIFE} s lifetime: A $ra, B $rb: $(grep 'ipsec:sig' "$RA/log/iked.log" | tail -n 8)"
((la <= 1)) || fail "the rekeys lost $la pings: $(cat "$TMP/ping-a.out"; grep -E 'ipsec:sig: phase 2' "$RA/log/iked.log" | tail -n 6)"
grep -h 'ipsec:sig: phase 2 .* rekeyed' "$RA/log/iked.log" "$RB/log/iked.log" | head -n 2

# the current pair agrees on both sides once no SA is retiring (a rekey may
# be under way: up to 10 s)
for ((i = 0; i < 40; i++)); do
  sa_dump "$RA" "$TMP/sa-a.out"
  sa_dump "$RB" "$TMP/sa-b.out"
  a_out=$(spis "$TMP/sa-a.out" sig out) a_in=$(spis "$TMP/sa-a.out" sig in)
  b_out=$(spis "$TMP/sa-b.out" sig out) b_in=$(spis "$TMP/sa-b.out" sig in)
  if [ "$(wc -w <<<"$a_out $a_in $b_out $b_in")" -eq 4 ] && [ "$a_out" = "$b_in" ] && [ "$b_out" = "$a_in" ]; then
    break
  fi
  a_out=""
  sleep 0.25
done
[ -n "$a_out" ] || fail "show ipsec sa never settled on one agreeing pair: $(cat "$TMP/sa-a.out" "$TMP/sa-b.out")"
echo "ike_rekey: after the rekeys both routers agree on one pair (A->B spi $a_out, B->A spi $b_out)"

# ---- b. datapathd's soft limit on kilobytes ----
KB=102400
signaled_tunnel "$RA" kb esp-aes128-gcm 192.0.2.1 192.0.2.2 203.0.113.3 203.0.113.4 198.51.100.5 lab-secret "tunnel lifetime kilobytes $KB"
signaled_tunnel "$RB" kb esp-aes128-gcm 192.0.2.2 192.0.2.1 203.0.113.4 203.0.113.3 198.51.100.6 lab-secret "tunnel lifetime kilobytes $KB"
wait_up "$RA" kb
wait_up "$RB" kb
sa_dump "$RA" "$TMP/sa-a.out"
has "^ipsec:kb .*${KB}KB" cat "$TMP/sa-a.out" || fail "the kb tunnel's SAs do not carry a $KB KB lifetime: $(cat "$TMP/sa-a.out")"
kb_out0=$(spis "$TMP/sa-a.out" kb out)
soft0=$(softs kb)
rk0=$(($(rekeys "$RA" kb) + $(rekeys "$RB" kb)))
na0=$(nospi "$RA") nb0=$(nospi "$RB")
ip netns exec "$NSB" timeout 40 iperf3 -s -1 -B 203.0.113.4 -p 5201 >"$TMP/iperf3-server.log" 2>&1 &
BG_PIDS+=($!)
for ((i = 0; i < 50; i++)); do
  ip netns exec "$NSB" ss -ltnH 'sport = :5201' | grep -q . && break
  sleep 0.1
done
ip netns exec "$NSA" ping -D -O -c 200 -i 0.05 -W 1 -w 25 -I 203.0.113.3 203.0.113.4 >"$TMP/ping-b.out" 2>&1 &
ping_pid=$!
BG_PIDS+=("$ping_pid")
# 120 MB: past the soft limit (90%, ~92 MB) and the hard one (100 MB): only a
# rekey in time lets it all through
ip netns exec "$NSA" timeout 30 iperf3 -c 203.0.113.4 -B 203.0.113.3 -p 5201 -n 120M -b 400M >"$TMP/iperf3.out" 2>&1 ||
  fail "iperf3 through the kb tunnel failed: $(tail -n 5 "$TMP/iperf3.out"; grep 'ipsec:kb' "$RA/log/iked.log" | tail -n 5)"
wait "$ping_pid" || true
rate=$(awk '/sender$/ {print $7, $8}' "$TMP/iperf3.out")
soft1=$(softs kb)
rk1=$(($(rekeys "$RA" kb) + $(rekeys "$RB" kb)))
lb=$(lost "$TMP/ping-b.out")
echo "ike_rekey: iperf3 pushed 120 MB at $rate through a ${KB} KB lifetime: $((soft1 - soft0)) soft-limit events, $((rk1 - rk0)) rekeys logged; $(sent "$TMP/ping-b.out") pings beside it, $lb lost"
echo "ike_rekey: soft limits logged by A $(grep -c 'ipsec:kb: SA .* soft limit' "$RA/log/iked.log" || true), B $(grep -c 'ipsec:kb: SA .* soft limit' "$RB/log/iked.log" || true); ESP packets for no SA during it: A $(($(nospi "$RA") - na0)), B $(($(nospi "$RB") - nb0))"
((lb == 0)) || echo "ike_rekey: lost: $(lost_when "$TMP/ping-b.out" | paste -sd ' '); soft limits and rekeys of ipsec:kb: $(grep -hE 'ipsec:kb: (SA .* soft limit|phase 2 .* rekeyed)' "$RA/log/iked.log" "$RB/log/iked.log" | cut -c12-23 | sort | paste -sd ' ')"
((soft1 > soft0)) || fail "no soft limit logged for ipsec:kb: $(grep 'ipsec:kb' "$RA/log/iked.log" "$RB/log/iked.log" | tail -n 6)"
grep -h 'ipsec:kb: SA .* reached its soft limit' "$RA/log/iked.log" "$RB/log/iked.log" | head -n 2
((rk1 > rk0)) || fail "the soft limit did not rekey ipsec:kb: $(grep 'ipsec:kb' "$RA/log/iked.log" "$RB/log/iked.log" | tail -n 6)"
# "at once": from the first soft-limit line to the rekey done (either side);
# 90% of the minimum lifetime leaves ~10 MB, ~200 ms at 400 Mbit/s, before
# the hard limit stops the traffic
delay=$(cat "$RA/log/iked.log" "$RB/log/iked.log" | grep -E 'ipsec:kb: (SA .* soft limit|phase 2 .* rekeyed)' | sort |
  awk '{split(substr($1, 12, 12), t, ":"); ms = ((t[1] * 60 + t[2]) * 60 + t[3]) * 1000}
    / soft limit/ && soft == "" {soft = ms} / rekeyed/ && soft != "" {print int(ms - soft); exit}')
echo "ike_rekey: the kilobyte rekey was done ${delay:-?} ms after the soft limit"
if [ -z "$delay" ] || ((delay > 150)); then
  fail "ipsec:kb rekeyed ${delay:-never} ms after its soft limit, not at once: $(grep -hE 'ipsec:kb: (SA|phase 2)' "$RA/log/iked.log" "$RB/log/iked.log" | sort | tail -n 4)"
fi
if [ "$lb" = all ] || ((lb > 1)); then fail "pings beside the kilobyte rekey: $(cat "$TMP/ping-b.out")"; fi
sa_dump "$RA" "$TMP/sa-a.out"
[ "$(spis "$TMP/sa-a.out" kb out)" != "$kb_out0" ] || fail "ipsec:kb still sends on its first SA: $(cat "$TMP/sa-a.out")"
has "^ipsec:kb .* expired" cat "$TMP/sa-a.out" && fail "an SA of ipsec:kb reached its hard limit: $(cat "$TMP/sa-a.out")"

# ---- d. the tunnel removed on B: its delete notification takes A's down ----
"$ERXSH" --dir "$RB" -c 'configure terminal' -c 'no interface tunnel ipsec:sig' >"$TMP/no.out" ||
  fail "no interface tunnel refused: $(cat "$TMP/no.out")"
t0=$SECONDS
for ((i = 0; i < 50; i++)); do
  grep -q 'ipsec:sig: peer 192.0.2.2 deleted the SA pair' "$RA/log/iked.log" && break
  sleep 0.1
done
grep -q 'ipsec:sig: peer 192.0.2.2 deleted the SA pair' "$RA/log/iked.log" ||
  fail "A did not log B's delete within 5 s: $(grep -E 'ipsec:sig|delete' "$RA/log/iked.log" | tail -n 5)"
for ((i = 0; i < 50; i++)); do
  has 'Operational state: *down' "$ERXSH" --dir "$RA" -c 'show ipsec tunnel ipsec:sig detail' && break
  sleep 0.1
done
has 'Operational state: *down' "$ERXSH" --dir "$RA" -c 'show ipsec tunnel ipsec:sig detail' ||
  fail "A's ipsec:sig stayed up after B deleted it: $("$ERXSH" --dir "$RA" -c 'show ipsec tunnel ipsec:sig detail')"
grep -h 'ipsec:sig: peer 192.0.2.2 deleted the SA pair' "$RA/log/iked.log" | tail -n 1
echo "ike_rekey: ipsec:sig removed on B: A logged the delete and took the tunnel down within $((SECONDS - t0 + 1)) s"
has 'Operational state: *up' "$ERXSH" --dir "$RA" -c 'show ipsec tunnel ipsec:kb detail' ||
  fail "ipsec:kb went down with ipsec:sig"

# ---- c. what tshark makes of every IKE packet sent ----
sleep 0.5
kill -INT "$cap_pid" 2>/dev/null || true
wait "$cap_pid" 2>/dev/null || true
[ -s "$cap" ] || fail "empty capture: $(cat "$cap.err")"
[ -z "${IKE_REKEY_KEEP:-}" ] || cp "$cap" "$IKE_REKEY_KEEP"
tshark -n -r "$cap" -Y '_ws.malformed || _ws.expert.severity >= error' >"$TMP/bad.out" 2>"$TMP/tshark.err" ||
  fail "tshark could not read the capture: $(cat "$TMP/tshark.err")"
[ ! -s "$TMP/bad.out" ] || fail "tshark flags IKE packets: $(head -n 10 "$TMP/bad.out")"
tshark -n -r "$cap" -Y isakmp -T fields -e isakmp.exchangetype >"$TMP/xchg.out" 2>"$TMP/tshark.err" ||
  fail "tshark: $(cat "$TMP/tshark.err")"
total=$(grep -c . "$TMP/xchg.out" || true)
mm=$(grep -cx 2 "$TMP/xchg.out" || true) qm=$(grep -cx 32 "$TMP/xchg.out" || true) info=$(grep -cx 5 "$TMP/xchg.out" || true)
pkts=$(tshark -n -r "$cap" 2>/dev/null | grep -c . || true)
echo "ike_rekey: tshark: $pkts packets on UDP 500/4500, $total dissected as ISAKMP ($mm main mode, $qm quick mode, $info informational), none malformed or in error"
((pkts == total)) || fail "$((pkts - total)) packets on UDP 500/4500 not dissected as ISAKMP"
# three quick-mode messages per negotiation (each tunnel's first and every
# rekey: A logs each once); a delete from each side when an old inbound SA
# retires, and B's removal of ipsec:sig sent one more
nqm=$((2 + ra + $(rekeys "$RA" kb)))
((qm >= 3 * nqm)) || fail "only $qm quick-mode messages captured for $nqm quick modes"
((info >= 2 * ra + 1)) || fail "only $info informational messages (the deletes) for $ra rekeys of ipsec:sig"
echo "ike_rekey: ok"
