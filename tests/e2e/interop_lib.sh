# shellcheck shell=bash disable=SC2034 # sourced: the variables are for the tests
# Interoperability tests: one erx-ipsec router (namespace NSE, 192.0.2.2)
# against a foreign IKEv1 implementation (namespace NSP, 192.0.2.1), joined
# by a veth link.  Shared by ike_strongswan.sh and ike_libreswan.sh.
#
# Our router sits at the higher address on purpose: when both sides start a
# negotiation at once iked's collision rule lets the lower address's go on,
# so "the peer initiates" scenarios are the peer's even if iked's own
# initiation is already in flight.
#
# Every scenario runs on a fresh router (and a fresh peer daemon, the
# tests' business), checks what it can and records what failed; the test
# goes on with the next scenario and fails at the end with the list
# (interop_finish).  Set ERX_INTEROP_KEEP=DIR to keep every log and packet
# capture in DIR after the run.
# shellcheck source=tests/e2e/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

ERX_WAN=192.0.2.2
PEER_WAN=192.0.2.1
LAB_PSK=lab-secret
# The seed's tunnel (tests/integration/seed.cli): subnet identities, the
# lifetime of its ipsec:Aottawa2boca (seconds 48000 kilobytes 249000: the
# kilobytes need a 4-byte attribute), 3DES/SHA-1 with PFS group 5
SEED_LID='subnet 203.0.113.0 255.255.255.0' SEED_PID='subnet 198.51.100.128 255.255.255.128'
SEED_ENET=203.0.113.0/24 SEED_PNET=198.51.100.128/25 SEED_EHOST=203.0.113.1 SEED_PHOST=198.51.100.129
SEED_LIFE='seconds 48000 kilobytes 249000'
# The AES tunnel: host identities, the default lifetime
AES_LID='address 198.51.100.65' AES_PID='address 198.51.100.70'
AES_ENET=198.51.100.65/32 AES_PNET=198.51.100.70/32 AES_EHOST=198.51.100.65 AES_PHOST=198.51.100.70
NSE="" NSP="" RE=""
INTEROP_FAILS=()
INTEROP_PASSES=0
PEER_PIDS=()
PCAP_PID="" PCAP=""
SCENARIO=""

# skip WHY: the peer software is not available here (CTest: SKIP_RETURN_CODE 77)
skip() {
  echo "SKIP: $*"
  exit 77
}

# stop_pid PID: TERM, up to 5 s, then KILL; reaped when it is our child
stop_pid() {
  local pid=$1 i
  kill "$pid" 2>/dev/null || return 0
  for ((i = 0; i < 50; i++)); do
    kill -0 "$pid" 2>/dev/null || break
    [ "$(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null)" = Z ] && break
    sleep 0.1
  done
  kill -KILL "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}

cleanup_hook() {
  local pid
  [ -n "$PCAP_PID" ] && stop_pid "$PCAP_PID"
  for pid in "${PEER_PIDS[@]}"; do stop_pid "$pid"; done
  if [ -n "${ERX_INTEROP_KEEP:-}" ]; then
    mkdir -p "$ERX_INTEROP_KEEP" && cp -r "$TMP/." "$ERX_INTEROP_KEEP/" 2>/dev/null &&
      echo "interop: logs and captures kept in $ERX_INTEROP_KEEP"
  fi
}

# peer_spawn VAR LOG CMD...: runs CMD in the peer's namespace in the
# background, its pid in VAR (stopped by peer_stop or at exit)
peer_spawn() {
  local var=$1 log=$2
  shift 2
  ip netns exec "$NSP" "$@" >"$log" 2>&1 &
  PEER_PIDS+=("$!")
  printf -v "$var" '%s' "$!"
}

peer_stop() {
  local pid=$1 p keep=()
  stop_pid "$pid"
  for p in "${PEER_PIDS[@]}"; do [ "$p" = "$pid" ] || keep+=("$p"); done
  PEER_PIDS=("${keep[@]}")
}

# interop_net: the two namespaces and the link between them
interop_net() {
  netns_new NSE erx
  netns_new NSP peer
  link "$NSE" "$ERX_WAN/24" "$NSP" "$PEER_WAN/24"
  ip netns exec "$NSE" ping -c 1 -W 2 "$PEER_WAN" >/dev/null || fail "no connectivity between the namespaces"
}

# lan_addr NS ADDR: a protected host address on the namespace's loopback
lan_addr() {
  ip -n "$1" addr add "$2/32" dev lo 2>/dev/null || true
}

# ---- results ----

# selected NAME: the scenario is to run (ERX_INTEROP_ONLY: a list of
# glob patterns, e.g. "seed-* p1-mismatch"; unset: all)
selected() {
  [ -z "${ERX_INTEROP_ONLY:-}" ] && return 0
  local p
  for p in $ERX_INTEROP_ONLY; do
    # shellcheck disable=SC2053 # a glob on purpose
    [[ $1 == $p ]] && return 0
  done
  return 1
}

scenario() {
  SCENARIO=$1
  echo
  echo "=== $SCENARIO"
}

ok() {
  INTEROP_PASSES=$((INTEROP_PASSES + 1))
  echo "  ok: $*"
}

problem() {
  INTEROP_FAILS+=("$SCENARIO: $*")
  echo "  FAILED: $*"
}

# interop_finish NAME: the summary; exit status 1 when anything failed
interop_finish() {
  echo
  if ((${#INTEROP_FAILS[@]} == 0)); then
    echo "$1: ok ($INTEROP_PASSES checks)"
    return 0
  fi
  echo "$1: ${#INTEROP_FAILS[@]} failed, $INTEROP_PASSES passed:"
  local f
  for f in "${INTEROP_FAILS[@]}"; do echo "  - $f"; done
  exit 1
}

# wait_grep SECS PATTERN FILE...: until a line of a FILE matches the
# extended regular expression PATTERN
wait_grep() {
  local secs=$1 pattern=$2 i
  shift 2
  for ((i = 0; i < secs * 10; i++)); do
    grep -Eq -- "$pattern" "$@" 2>/dev/null && return 0
    sleep 0.1
  done
  return 1
}

# expect_log WHAT SECS PATTERN FILE: ok with the matching line, or a
# problem with the file's last lines
expect_log() {
  local what=$1 secs=$2 pattern=$3 file=$4
  if wait_grep "$secs" "$pattern" "$file"; then
    ok "$what: $(grep -Eh -m 1 -- "$pattern" "$file" | cut -c 1-300)"
    return 0
  fi
  problem "$what: no line matching /$pattern/ in $(basename "$file") within $secs s"
  echo "    --- last lines of $file:"
  tail -n 12 "$file" 2>/dev/null | cut -c 1-300 | sed 's/^/    | /'
  return 1
}

# refute_log WHAT PATTERN FILE: a problem if a line matches
refute_log() {
  if grep -Eq -- "$2" "$3" 2>/dev/null; then
    problem "$1: $(grep -Eh -m 1 -- "$2" "$3" | cut -c 1-300)"
    return 1
  fi
  ok "$1"
}

# ---- packet capture (diagnostics, kept with ERX_INTEROP_KEEP) ----

# pcap_start NAME: everything IKE and ESP on our side into PCAP ($TMP/NAME.pcap)
pcap_start() {
  PCAP="$TMP/$1.pcap"
  command -v tcpdump >/dev/null || return 0
  ip netns exec "$NSE" tcpdump -i any -U -n -s 0 -w "$PCAP" udp or esp or ah >/dev/null 2>&1 &
  PCAP_PID=$!
  sleep 0.3
}

pcap_stop() {
  [ -n "$PCAP_PID" ] || return 0
  stop_pid "$PCAP_PID"
  PCAP_PID=""
}

# ---- our side ----

# erx_start NAME: a fresh router in NSE (its directory in RE)
erx_start() {
  RE=$(start_router "$1" --netns "$NSE")
  IKED_LOG="$RE/log/iked.log"
}

erx_stop() {
  [ -n "$RE" ] && "$ROUTER" stop --dir "$RE" >/dev/null 2>&1
  RE=""
}

# erx_config NAME P1 XF PFS LOCAL_ID PEER_ID [KEY [LIFE]]: a signaled
# tunnel to the peer, as an operator types it (tests/e2e/ike_pair.sh): the
# local endpoint, an ike-policy-rule (P1: "ENC HASH GROUP", e.g. "3des sha
# 2"), the peer's pre-shared key by address, a transform set, and the
# tunnel with its identities ("address A" or "subnet A MASK"), PFS group (0
# = none) and lifetime (LIFE: "seconds S kilobytes K", "" = the default).
# The key comes before the tunnel and PFS before the endpoints, so the
# tunnel is complete once, with everything.
erx_config() {
  local name=$1 p1=$2 xf=$3 pfs=$4 lid=$5 pid=$6 key=${7:-$LAB_PSK} life=${8:-} enc hash group
  read -r enc hash group <<<"$p1"
  local cmds=(-c 'configure terminal' -c "ipsec local-endpoint $ERX_WAN"
    -c 'ipsec ike-policy-rule 10' -c "encryption $enc" -c "hash $hash" -c 'authentication pre-share'
    -c "group $group" -c 'exit'
    -c "ipsec transform-set ts-$name $xf"
    -c "ipsec key manual pre-share $PEER_WAN" -c "key $key" -c 'exit'
    -c "interface tunnel ipsec:$name" -c 'ip address 198.51.100.1 255.255.255.252'
    -c "tunnel transform-set ts-$name" -c "tunnel local-identity $lid" -c "tunnel peer-identity $pid")
  [ "$pfs" != 0 ] && cmds+=(-c "tunnel pfs group $pfs")
  [ -n "$life" ] && cmds+=(-c "tunnel lifetime $life")
  cmds+=(-c "tunnel source $ERX_WAN" -c "tunnel destination $PEER_WAN")
  "$ERXSH" --dir "$RE" "${cmds[@]}" >"$TMP/cfg-$name.out" 2>&1 ||
    fail "the router refused the configuration of $name: $(grep -B1 '%' "$TMP/cfg-$name.out" | head -n 4)"
}

# erx_up NAME SECS: the tunnel's operational state is up within SECS
erx_up() {
  local i
  for ((i = 0; i < $2 * 10; i++)); do
    has 'Operational state: *up' "$ERXSH" --dir "$RE" -c "show ipsec tunnel ipsec:$1 detail" && return 0
    sleep 0.1
  done
  return 1
}

# erx_spis NAME: "IN OUT" (decimal) from show ipsec sa, one SA each way
erx_spis() {
  "$ERXSH" --dir "$RE" -c 'show ipsec sa' >"$TMP/sa.out" 2>&1 || true
  local in out
  in=$(awk -v t="ipsec:$1" '$1 == t && $2 == "in" {print $3}' "$TMP/sa.out")
  out=$(awk -v t="ipsec:$1" '$1 == t && $2 == "out" {print $3}' "$TMP/sa.out")
  echo "$in $out"
}

# ping_check WHAT NS SRC DST: three echoes through the tunnel
ping_check() {
  if ip netns exec "$2" ping -q -c 3 -W 2 -I "$3" "$4" >"$TMP/ping.out" 2>&1; then
    ok "$1: $(grep -E 'packets transmitted' "$TMP/ping.out")"
  else
    problem "$1: $(grep -E 'packets transmitted|ping:' "$TMP/ping.out" | head -n 2 | tr '\n' ' ')"
  fi
}

# erx_counters NAME: the tunnel's detail (datapathd's counters) for a report
erx_detail() {
  "$ERXSH" --dir "$RE" -c "show ipsec tunnel ipsec:$1 detail" 2>&1 | sed 's/^/    | /' | head -n 40
}
