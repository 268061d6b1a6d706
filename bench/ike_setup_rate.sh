#!/usr/bin/env bash
# IKE tunnel setup rate: tunnels brought up per second between two erx-ipsec
# routers (IKEv1 main mode + quick mode, pre-shared keys, 3DES-SHA1 DH group 5,
# ESP 3DES-HMAC-SHA1 with PFS group 5) for 1, 100 and 1,000 tunnels, printed
# next to strongSwan-to-strongSwan (bench/strongswan_setup_rate.sh) measured
# on the same machine in the same run.
#
# The lab, for N tunnels, in a fresh pair of routers each time: routers A and
# B in network namespaces of their own joined by a veth.  iked keeps one
# ISAKMP SA per (local address, peer), so every tunnel gets its own pair and
# its own main mode: A holds ceil(N/250) addresses of 192.0.2.0/24, B
# min(N,250) of 198.51.100.0/24, tunnel k runs 192.0.2.(1+k/250) <->
# 198.51.100.(1+k%250).  Tunnels are grouped 125 to a virtual router (v0,
# v1, ...; transport virtual router default) so that their protected
# addresses (address identities, 203.0.113.(129+k%125) on A and
# 203.0.113.(1+k%125) on B) stay distinct within each virtual router.  One
# pre-shared key value for every peer address (A's key for B's address and
# B's key for A's address must agree for every pair).
#
# The clock: both routers get everything but the pre-shared keys first
# (through erxsh batches, as bench/config_load.sh does); the tunnels are then
# incomplete and iked leaves them alone, while datapathd makes their
# interfaces (waited for: interface creation is configuration, not setup).
# Then A's keys, then B's keys are committed; the clock starts when B's are
# (both sides complete) and stops when datapathd reports all N tunnels
# operationally up on both routers (`show ipsec tunnel summary`, polled every
# 100 ms).  Also printed: when iked logged the last phase 2 "up" (to the
# millisecond), the CPU time iked and datapathd used, iked's counts of main
# modes started, the UDP counters of both namespaces (datagrams to closed
# ports, receive-buffer drops) and iked's warnings grouped by kind.
#
# Usage: bench/ike_setup_rate.sh [N ...]          (default: 1 100 1000; N <= 1000)
# Environment:
#   ERX_BIN               program directory (default build/bin), needs iked
#   IKE_BENCH_TIMEOUT     seconds to wait for the N tunnels (default 30 + N/8)
#   IKE_BENCH_MAX         bound on the whole script in seconds (default 2400)
#   IKE_BENCH_DEBUG=1     routers log at debug level (iked's dropped packets,
#                         retransmissions; slows everything a little)
#   IKE_BENCH_KEEP=DIR    keep the routers' and charon's logs in DIR
#   IKE_BENCH_FEW_HIGH=1  swap the address blocks: A's few addresses are then
#                         the higher ones (198.51.100.x), B's many 192.0.2.x,
#                         so that the many-address side wins collisions
#   IKE_BENCH_STRONGSWAN=0  skip the strongSwan comparison
# Needs root.  strongSwan: strongswan-swanctl charon-systemd
# libcharon-extra-plugins (Debian has no load-tester plugin: see
# bench/strongswan_setup_rate.sh for what is measured instead).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/.." && pwd)
bin=${ERX_BIN:-$src/build/bin}
bin=$(cd "$bin" && pwd)
router="$src/deploy/erx-router"
erxsh="$bin/erxsh"
sizes=("$@")
((${#sizes[@]})) || sizes=(1 100 1000)
for n in "${sizes[@]}"; do
  if ! [[ $n =~ ^[0-9]+$ ]] || ((n < 1 || n > 1000)); then
    echo "ike_setup_rate: N must be 1..1000, not '$n'" >&2
    exit 2
  fi
done
((EUID == 0)) || { echo "ike_setup_rate: needs root (network namespaces)" >&2; exit 2; }
[ -x "$bin/iked" ] || { echo "ike_setup_rate: no $bin/iked" >&2; exit 2; }
secret=bench-setup-secret
# A: the router with few addresses; by default the lower ones (it wins
# iked's collision rule: "the lower address keeps its own negotiation")
PA=192.0.2 PB=198.51.100
[ "${IKE_BENCH_FEW_HIGH:-0}" = 1 ] && PA=198.51.100 PB=192.0.2

tmp=$(mktemp -d /tmp/erx-iksr-XXXXXX)
NSA="" NSB="" RA="" RB="" ss_pid="" dog=""
teardown() { # the current pair of routers and everything around them
  local d ns v
  for d in "$RA" "$RB"; do
    if [ -n "$d" ]; then "$router" stop --dir "$d" >/dev/null 2>&1 || true; fi
  done
  for ns in "$NSA" "$NSB"; do
    [ -n "$ns" ] || continue
    # datapathd's namespaces for virtual routers: NS-<vr>
    for v in $(ip netns list 2>/dev/null | awk -v p="$ns-" 'index($1, p) == 1 {print $1}'); do
      ip netns del "$v" 2>/dev/null || true
    done
    ip netns del "$ns" 2>/dev/null || true
  done
  if [ -n "${IKE_BENCH_KEEP:-}" ] && [ -n "$RA" ]; then
    mkdir -p "$IKE_BENCH_KEEP"
    cp -r "$RA/log" "$IKE_BENCH_KEEP/erx-$cur_n-A" 2>/dev/null || true
    cp -r "$RB/log" "$IKE_BENCH_KEEP/erx-$cur_n-B" 2>/dev/null || true
  fi
  NSA="" NSB="" RA="" RB=""
}
cleanup() {
  set +e # all of it, whatever fails
  if [ -n "$ss_pid" ]; then
    kill "$ss_pid" 2>/dev/null
    wait "$ss_pid" 2>/dev/null
  fi
  teardown
  [ -n "$dog" ] && kill "$dog" 2>/dev/null
  rm -rf "$tmp"
}
trap cleanup EXIT
trap 'echo "ike_setup_rate: stopped (signal or IKE_BENCH_MAX reached)" >&2; exit 124' INT TERM
# the whole script is bounded
(
  trap 'kill "$s" 2>/dev/null; exit 0' TERM
  sleep "${IKE_BENCH_MAX:-2400}" &
  s=$!
  wait "$s" && kill -TERM $$ 2>/dev/null
) >/dev/null 2>&1 &
dog=$!

die() { echo "ike_setup_rate: $*" >&2; exit 1; }
now() { date +%s.%N; }
sub() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.3f", b - a}'; }
cpu() { awk '{print $14 + $15}' "/proc/$1/stat" 2>/dev/null || echo 0; } # utime + stime in ticks
hz=$(getconf CLK_TCK)
svc_pid() { cat "$1/run/$2.pid" 2>/dev/null || echo 0; }

# cfg SIDE N PART: the erxsh batch for router SIDE (A or B); PART "tunnels"
# (everything but the keys) or "keys"
cfg() {
  awk -v side="$1" -v n="$2" -v part="$3" -v secret="$secret" -v pa="$PA" -v pb="$PB" 'BEGIN {
    print "configure terminal"
    na = int((n + 249) / 250); nb = n < 250 ? n : 250
    if (part == "keys") {
      if (side == "A") for (i = 1; i <= nb; i++) printf "ipsec key manual pre-share %s.%d\n key %s\n exit\n", pb, i, secret
      else for (i = 1; i <= na; i++) printf "ipsec key manual pre-share %s.%d\n key %s\n exit\n", pa, i, secret
      exit
    }
    print "ipsec transform-set bench esp-3des-hmac-sha"
    print "ipsec ike-policy-rule 10\n encryption 3des\n hash sha\n authentication pre-share\n group 5\n exit"
    printf "ipsec local-endpoint %s.1\n", side == "A" ? pa : pb
    for (k = 0; k < n; k++) {
      if (k % 125 == 0) printf "virtual-router v%d\n", k / 125
      la = pa "." (int(k / 250) + 1); lb = pb "." (k % 250 + 1)
      ia = "203.0.113." (129 + k % 125); ib = "203.0.113." (1 + k % 125)
      if (side == "A") { l = la; r = lb; li = ia; ri = ib } else { l = lb; r = la; li = ib; ri = ia }
      printf "interface tunnel ipsec:t%04d transport-virtual-router default\n", k
      printf " tunnel transform-set bench\n tunnel source %s\n tunnel destination %s\n", l, r
      printf " tunnel local-identity address %s\n tunnel peer-identity address %s\n", li, ri
      printf " tunnel pfs group 5\n exit\n"
    }
  }'
}

# load DIR FILE: an erxsh batch, bounded
load() {
  timeout 300 "$erxsh" --dir "$1" --quiet --timeout 60000 -f "$2" >"$2.out" 2>&1 ||
    die "erxsh -f $2 failed on $1: $(grep -B1 '%' "$2.out" | head -n 4)"
}

up_count() { # DIR: tunnels operationally up according to configd's view of datapathd
  { timeout 10 "$erxsh" --dir "$1" -c 'show ipsec tunnel summary' 2>/dev/null || true; } |
    awk '/^Operational state:/ {print $3; f = 1} END {if (!f) print 0}'
}

tun_ifaces() { # NS: datapathd's tunnel interfaces in all of the router's virtual routers
  local v c=0
  for v in $(ip netns list 2>/dev/null | awk -v p="$1-" 'index($1, p) == 1 {print $1}'); do
    c=$((c + $(ip -n "$v" -o link show 2>/dev/null | grep -c ' ipsec' || true)))
  done
  echo "$c"
}

# iked's log lines: count by kind (addresses, numbers and tunnel names blanked)
warn_kinds() {
  grep -hE ' iked\[[0-9]+\] (warn|err): ' "$@" 2>/dev/null |
    sed -E 's/^[^ ]+ iked\[[0-9]+\] //; s/ipsec:t[0-9]{4}/ipsec:tNNNN/g; s/([0-9]{1,3}\.){3}[0-9]{1,3}/A.B.C.D/g; s/[0-9]+/N/g' |
    sort | uniq -c | sort -rn | head -n 8 || true
}

# log_last DIR PATTERN T0: seconds from T0 to the last iked log line matching PATTERN
log_last() {
  local line
  line=$(grep -hE "$2" "$1/log/iked.log" 2>/dev/null | tail -n 1 | cut -d' ' -f1 || true)
  [ -n "$line" ] || { echo "-"; return; }
  python3 -c 'import sys, datetime
t = datetime.datetime.strptime(sys.argv[1], "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=datetime.timezone.utc).timestamp()
print("%.3f" % (t - float(sys.argv[2])))' "$line" "$3"
}

udp_stats() { # NS: the namespace's UDP counters (fresh namespace: since it was made)
  ip netns exec "$1" cat /proc/net/snmp 2>/dev/null | awk '/^Udp:/ {
    if (!h) {for (i = 2; i <= NF; i++) k[i] = $i; h = 1; next}
    for (i = 2; i <= NF; i++) v[k[i]] = $i }
    END {printf "%d in, %d out, %d to closed ports, %d receive-buffer drops", v["InDatagrams"], v["OutDatagrams"],
      v["NoPorts"], v["RcvbufErrors"]}' || true
}

declare -A E_TIME E_UP E_RATE E_LOG S_TIME S_UP S_RATE S_LOG
cur_n=0
run_erx() {
  local n=$1 limit
  limit=${IKE_BENCH_TIMEOUT:-$((30 + n / 8))}
  local na=$(((n + 249) / 250)) nb=$((n < 250 ? n : 250)) i
  cur_n=$n
  NSA="erxisa$$-$n" NSB="erxisb$$-$n"
  local va="isa$$" vb="isb$$"
  ip netns add "$NSA"
  ip netns add "$NSB"
  ip link add "$va" type veth peer name "$vb"
  ip link set "$va" netns "$NSA"
  ip link set "$vb" netns "$NSB"
  for i in "$NSA" "$NSB"; do ip -n "$i" link set lo up; done
  for ((i = 1; i <= na; i++)); do ip -n "$NSA" addr add "$PA.$i/24" dev "$va"; done
  for ((i = 1; i <= nb; i++)); do ip -n "$NSB" addr add "$PB.$i/24" dev "$vb"; done
  ip -n "$NSA" link set "$va" up
  ip -n "$NSB" link set "$vb" up
  ip -n "$NSA" route add "$PB.0/24" dev "$va"
  ip -n "$NSB" route add "$PA.0/24" dev "$vb"
  ip netns exec "$NSA" ping -c 1 -W 2 -I "$PA.$na" "$PB.$nb" >/dev/null || die "no connectivity between the namespaces"

  RA="$tmp/a$n" RB="$tmp/b$n"
  local env=()
  [ "${IKE_BENCH_DEBUG:-0}" = 1 ] && env=(ERX_LOG_LEVEL=debug)
  env "${env[@]}" timeout 120 "$router" start --name ika --dir "$RA" --bin "$bin" --netns "$NSA" >"$tmp/start.out" 2>&1 ||
    die "router A did not start: $(cat "$tmp/start.out")"
  env "${env[@]}" timeout 120 "$router" start --name ikb --dir "$RB" --bin "$bin" --netns "$NSB" >"$tmp/start.out" 2>&1 ||
    die "router B did not start: $(cat "$tmp/start.out")"
  if ((n > 10)); then # 10 tunnels without a licence; licences come in 1000, 2000, 4000, 5000
    local lic
    lic=$("$bin/erx-license-mint" --tunnels 1000 --id "BENCH-IKE-$n" 2>/dev/null) || die "cannot mint a licence"
    for i in "$RA" "$RB"; do
      timeout 30 "$erxsh" --dir "$i" -c 'configure terminal' -c "license ipsec-tunnels $lic" >"$tmp/lic.out" 2>&1 ||
        die "licence refused: $(tail -n 1 "$tmp/lic.out")"
    done
  fi

  cfg A "$n" tunnels >"$tmp/A$n.tunnels"
  cfg B "$n" tunnels >"$tmp/B$n.tunnels"
  cfg A "$n" keys >"$tmp/A$n.keys"
  cfg B "$n" keys >"$tmp/B$n.keys"
  local tc0 tc1
  tc0=$(now)
  load "$RA" "$tmp/A$n.tunnels" &
  local pa=$!
  load "$RB" "$tmp/B$n.tunnels" &
  local pb=$!
  wait "$pa" || exit 1
  wait "$pb" || exit 1
  tc1=$(now)
  # datapathd makes an interface per tunnel (bounded wait)
  local ia=0 ib=0
  for ((i = 0; i < 1200; i++)); do
    ia=$(tun_ifaces "$NSA") ib=$(tun_ifaces "$NSB")
    ((ia >= n && ib >= n)) && break
    sleep 0.1
  done
  local ifs_ready=yes
  ((ia >= n && ib >= n)) || ifs_ready="no ($ia and $ib of $n after 120 s)"
  local c
  c=$(up_count "$RA")
  [ "$c" = 0 ] || die "router A has $c tunnels up before any key is configured"

  local ika ikb dpa dpb cpu0 cpu1
  ika=$(svc_pid "$RA" iked) ikb=$(svc_pid "$RB" iked) dpa=$(svc_pid "$RA" datapathd) dpb=$(svc_pid "$RB" datapathd)
  cpu0=("$(cpu "$ika")" "$(cpu "$ikb")" "$(cpu "$dpa")" "$(cpu "$dpb")")
  local tk t0 t1 ua=0 ub=0 up=0 el
  tk=$(now)
  load "$RA" "$tmp/A$n.keys"
  load "$RB" "$tmp/B$n.keys"
  t0=$(now)
  local deadline
  deadline=$(awk -v t="$t0" -v l="$limit" 'BEGIN {printf "%d", t + l}')
  : >"$tmp/progress"
  local polls=0 ps pq
  while :; do
    # both routers at once, a poll every 100 ms (start to start)
    ps=$(now)
    up_count "$RA" >"$tmp/up.a" &
    pq=$!
    up_count "$RB" >"$tmp/up.b"
    wait "$pq" || true
    ua=$(<"$tmp/up.a") ub=$(<"$tmp/up.b")
    up=$((ua < ub ? ua : ub))
    polls=$((polls + 1))
    el=$(sub "$t0" "$(now)")
    echo "$el $ua $ub" >>"$tmp/progress"
    ((up >= n)) && break
    (($(date +%s) >= deadline)) && break
    sleep "$(awk -v s="$ps" -v t="$(now)" 'BEGIN {r = 0.1 - (t - s); printf "%.3f", (r > 0 ? r : 0)}')"
  done
  t1=$(now)
  cpu1=("$(cpu "$ika")" "$(cpu "$ikb")" "$(cpu "$dpa")" "$(cpu "$dpb")")
  local secs rate last
  secs=$(sub "$t0" "$t1")
  rate=$(awk -v u="$up" -v s="$secs" 'BEGIN {printf "%.1f", (s > 0 ? u / s : 0)}')
  last=$(log_last "$RA" 'phase 2 \(quick mode, [a-z]+\) with [0-9.]+ up:' "$t0")
  local lb
  lb=$(log_last "$RB" 'phase 2 \(quick mode, [a-z]+\) with [0-9.]+ up:' "$t0")
  [ "$lb" != - ] && { [ "$last" = - ] || awk -v a="$lb" -v b="$last" 'BEGIN {exit !(a > b)}'; } && last=$lb
  ((up >= n)) || rate="$rate*" # did not finish: up / time
  E_TIME[$n]=$secs E_UP[$n]=$up E_RATE[$n]=$rate E_LOG[$n]=$last

  printf 'erx-ipsec, %d tunnels: %d up on both routers (A %d, B %d) %s s after both were complete: %s tunnels/s\n' \
    "$n" "$up" "$ua" "$ub" "$secs" "$rate"
  printf '  configuration without keys: %s s (both routers in parallel); tunnel interfaces ready first: %s\n' \
    "$(sub "$tc0" "$tc1")" "$ifs_ready"
  printf '  keys: A %d, B %d pre-shared keys committed in %s s; iked logged the last phase 2 up at %s s\n' \
    "$nb" "$na" "$(sub "$tk" "$t0")" "$last"
  printf '  %d polls of both routers, one every %s s on average\n' "$polls" \
    "$(awk -v s="$secs" -v p="$polls" 'BEGIN {printf "%.3f", (p > 1 ? s / (p - 1) : s)}')"
  printf '  CPU during setup: iked A %.2f s, iked B %.2f s, datapathd A %.2f s, datapathd B %.2f s\n' \
    "$(awk -v x="${cpu0[0]}" -v y="${cpu1[0]}" -v h="$hz" 'BEGIN {print (y - x) / h}')" \
    "$(awk -v x="${cpu0[1]}" -v y="${cpu1[1]}" -v h="$hz" 'BEGIN {print (y - x) / h}')" \
    "$(awk -v x="${cpu0[2]}" -v y="${cpu1[2]}" -v h="$hz" 'BEGIN {print (y - x) / h}')" \
    "$(awk -v x="${cpu0[3]}" -v y="${cpu1[3]}" -v h="$hz" 'BEGIN {print (y - x) / h}')"
  local la="$RA/log/iked.log" lbf="$RB/log/iked.log"
  printf '  iked A: %d main modes started as initiator, %d phase 1 established, %d phase 2 up; iked B: %d, %d, %d\n' \
    "$(grep -c 'phase 1 (main mode) to .* started' "$la" || true)" "$(grep -c 'phase 1 (main mode.*established' "$la" || true)" \
    "$(grep -cE 'phase 2 \(quick mode, [a-z]+\) with [0-9.]+ up:' "$la" || true)" \
    "$(grep -c 'phase 1 (main mode) to .* started' "$lbf" || true)" "$(grep -c 'phase 1 (main mode.*established' "$lbf" || true)" \
    "$(grep -cE 'phase 2 \(quick mode, [a-z]+\) with [0-9.]+ up:' "$lbf" || true)"
  if [ "${IKE_BENCH_DEBUG:-0}" = 1 ]; then
    printf '  iked debug: half-open drops A %d, B %d; phase 1 retransmissions A %d, B %d\n' \
      "$(grep -c 'dropped: .* half-open' "$la" || true)" "$(grep -c 'dropped: .* half-open' "$lbf" || true)" \
      "$(grep -c 'phase 1 with .* retransmission' "$la" || true)" "$(grep -c 'phase 1 with .* retransmission' "$lbf" || true)"
  fi
  printf '  UDP on A: %s; on B: %s\n' "$(udp_stats "$NSA")" "$(udp_stats "$NSB")"
  # what was negotiated (iked A's first phase 1 and phase 2)
  printf '  negotiated (iked A): %s; %s\n' \
    "$(grep -m1 -oE 'phase 1 \(main mode, [a-z]+\) with [0-9.]+ established: [^,]+' "$la" || echo 'no phase 1')" \
    "$(grep -m1 -oE 'esp-[a-z0-9-]+, (pfs group [0-9]+|no pfs)' "$la" || echo 'no phase 2')"
  local w line
  w=$(warn_kinds "$la" "$lbf")
  if [ -n "$w" ]; then
    echo "  iked warnings and errors on both routers, by kind (count, message):"
    while IFS= read -r line; do echo "    $line"; done <<<"$w"
  fi
  if ((up < n)) || awk -v s="$secs" 'BEGIN {exit !(s > 5)}'; then
    # how the count grew: one sample a second
    echo "  progress (s since start: up on A, up on B):"
    awk '{s = int($1); if (s != last) {printf "%s%s: %s/%s", (c++ % 8 ? ", " : (c > 1 ? "\n    " : "    ")), $1, $2, $3; last = s}} END {print ""}' \
      "$tmp/progress"
  fi
  teardown
}

run_ss() {
  local n=$1 limit
  limit=${IKE_BENCH_TIMEOUT:-$((30 + n / 8))}
  cur_n=$n
  "$here/strongswan_setup_rate.sh" "$n" "$limit" >"$tmp/ss$n.out" 2>&1 &
  ss_pid=$!
  local rc=0
  wait "$ss_pid" || rc=$?
  ss_pid=""
  local line
  line=$(grep -m1 '^strongswan-setup ' "$tmp/ss$n.out" || true)
  if [ -z "$line" ] || [ "$rc" != 0 ]; then
    echo "strongSwan, $n SAs: failed (rc $rc): $(tail -n 3 "$tmp/ss$n.out")"
    S_TIME[$n]=- S_UP[$n]=0 S_RATE[$n]=- S_LOG[$n]=-
    return
  fi
  get() { sed -nE "s/.* $1=([^ ]*).*/\1/p" <<<"$line"; }
  S_TIME[$n]=$(get secs) S_UP[$n]=$(get up) S_RATE[$n]=$(get rate) S_LOG[$n]=$(get last)
  ((S_UP[$n] >= n)) || S_RATE[$n]="${S_RATE[$n]}*"
  if grep -q skipped <<<"$line"; then
    echo "strongSwan: not installed (strongswan-swanctl charon-systemd libcharon-extra-plugins)"
    S_RATE[$n]=-
    return
  fi
  printf 'strongSwan, %d SAs: %d established on both charons %s s after the first initiation: %s SAs/s\n' \
    "$n" "${S_UP[$n]}" "${S_TIME[$n]}" "${S_RATE[$n]}"
  grep '^  ' "$tmp/ss$n.out" || true
}

echo "IKE setup rate, A: few addresses in $PA.0/24, B: many in $PB.0/24, on $(nproc) CPUs, load average $(cut -d' ' -f1-3 /proc/loadavg); erx-ipsec from $bin"
for n in "${sizes[@]}"; do
  run_erx "$n"
  if [ "${IKE_BENCH_STRONGSWAN:-1}" = 1 ]; then run_ss "$n"; else S_TIME[$n]=- S_UP[$n]=0 S_RATE[$n]=- S_LOG[$n]=-; fi
done

echo
echo "IKEv1 main + quick mode, PSK, 3DES-SHA1 group 5, ESP 3DES-HMAC-SHA1 with PFS group 5; load average now $(cut -d' ' -f1-3 /proc/loadavg)"
printf '%6s | %-34s | %-34s | %s\n' "" "erx-ipsec (datapathd up, polled)" "strongSwan 5.9.8 (kernel-libipsec)" "ratio"
printf '%6s | %8s %8s %7s %8s | %8s %8s %7s %8s | %s\n' N up time/s tun/s "last@" up time/s SAs/s "last@" erx/sS
for n in "${sizes[@]}"; do
  ratio=$(awk -v a="${E_RATE[$n]}" -v b="${S_RATE[$n]}" 'BEGIN {
    if (b + 0 > 0 && a + 0 > 0 && a !~ /\*/ && b !~ /\*/) printf "%.2f", a / b; else print "-"}')
  printf '%6d | %8s %8s %7s %8s | %8s %8s %7s %8s | %s\n' "$n" "${E_UP[$n]}/$n" "${E_TIME[$n]}" "${E_RATE[$n]}" "${E_LOG[$n]}" \
    "${S_UP[$n]}/$n" "${S_TIME[$n]}" "${S_RATE[$n]}" "${S_LOG[$n]}" "$ratio"
done
echo "time/s: seconds from start (erx: both routers complete; strongSwan: first initiation) until all N were seen up,"
echo "polled every 100 ms; last@: when the last SA was logged (iked 'phase 2 ... up' / charon 'CHILD_SA ... established'),"
echo "to the millisecond; rates use time/s, so N=1 is bounded by the 100 ms poll; * = not all N up within the"
echo "timeout (IKE_BENCH_TIMEOUT): up / time."
