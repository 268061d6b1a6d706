#!/usr/bin/env bash
# Aggressive mode and FQDN identities (reference §2.3, §3, §4), as a branch
# office with a dynamic address would use them: router A (the branch) names
# its source `a.example` (its ISAKMP identity; the outer address is its
# `ipsec local-endpoint`) and prefers aggressive mode; router B (the hub)
# has no address for it: `tunnel destination identity a.example`, a
# pre-shared key under that name, and a rule that accepts aggressive mode.
# A initiates, B finds the key by the identity, learns A's address, and
# traffic crosses.  Then a hub whose rule requires aggressive mode refuses a
# main-mode-only branch with NO-PROPOSAL-CHOSEN, logged with both sides.
# shellcheck source=tests/e2e/lib.sh
source "$(dirname "$0")/lib.sh"
# shellcheck source=tests/e2e/manual_pair.sh
source "$(dirname "$0")/manual_pair.sh"
[ -x "$ERX_BIN/iked" ] || fail "no $ERX_BIN/iked (configure with -DERX_IKED=ON)"

pair_up
cfg() {
  local dir=$1
  shift
  "$ERXSH" --dir "$dir" -c 'configure terminal' "$@" >"$TMP/cfg.out" 2>&1 ||
    fail "configuration refused: $(cat "$TMP/cfg.out")"
}
rule() { cfg "$1" -c 'ipsec ike-policy-rule 1' -c 'encryption aes128' -c 'hash sha' -c 'authentication pre-share' \
  -c 'group 14' -c "aggressive-mode $2" -c 'exit'; }
tunnel() { # DIR NAME SOURCE DESTINATION LOCAL_ID PEER_ID ADDR
  cfg "$1" -c 'ipsec transform-set ts esp-aes128-gcm' -c "interface tunnel ipsec:$2" \
    -c "ip address $7 255.255.255.252" -c 'tunnel transform-set ts' -c "tunnel source $3" \
    -c "tunnel destination $4" -c "tunnel local-identity address $5" -c "tunnel peer-identity address $6"
}
ip -n "$NSA" addr add 203.0.113.1/32 dev lo
ip -n "$NSB" addr add 203.0.113.2/32 dev lo

rule "$RA" requested
cfg "$RA" -c 'ipsec local-endpoint 192.0.2.1' -c 'ipsec key manual pre-share 192.0.2.2' -c 'key branch-secret' -c 'exit'
rule "$RB" accepted
cfg "$RB" -c 'ipsec key manual pre-share a.example' -c 'key branch-secret' -c 'exit'
tunnel "$RB" hub 192.0.2.2 'identity a.example' 203.0.113.2 203.0.113.1 198.51.100.2
tunnel "$RA" branch a.example 192.0.2.2 203.0.113.1 203.0.113.2 198.51.100.1
wait_up "$RA" branch
wait_up "$RB" hub
ip netns exec "$NSA" ping -q -c 3 -W 2 -I 203.0.113.1 203.0.113.2 >"$TMP/ping.out" 2>&1 ||
  fail "no ping branch->hub: $(cat "$TMP/ping.out")"
ip netns exec "$NSB" ping -q -c 3 -W 2 -I 203.0.113.2 203.0.113.1 >"$TMP/ping.out" 2>&1 ||
  fail "no ping hub->branch: $(cat "$TMP/ping.out")"
has 'aggressive mode' "$ERXSH" --dir "$RA" -c 'show ipsec ike-sa detail' || fail "A's ISAKMP SA is not aggressive mode"
has 'aggressive mode' "$ERXSH" --dir "$RB" -c 'show ipsec ike-sa detail' || fail "B's ISAKMP SA is not aggressive mode"
grep -q 'ipsec:hub: its peer (dynamic address) is at 192.0.2.1' "$RB/log/iked.log" ||
  fail "B did not log where the dynamic peer is: $(tail -n 5 "$RB/log/iked.log")"
grep -q 'branch-secret' "$RA/log/iked.log" "$RB/log/iked.log" && fail "a key appears in iked's log"
echo "ike_aggressive: branch a.example (aggressive mode, FQDN identity) reached the hub, which learned its address; pings cross"

# a hub that requires aggressive mode, a branch that will not use it
ip link add "g$$a" type veth peer name "g$$b"
ip link set "g$$a" netns "$NSA"
ip link set "g$$b" netns "$NSB"
ip -n "$NSA" addr add 198.51.100.65/30 dev "g$$a"
ip -n "$NSB" addr add 198.51.100.66/30 dev "g$$b"
ip -n "$NSA" link set "g$$a" up
ip -n "$NSB" link set "g$$b" up
rule "$RB" required
rule "$RA" none
cfg "$RA" -c 'ipsec key manual pre-share 198.51.100.66' -c 'key other-secret' -c 'exit'
cfg "$RB" -c 'ipsec key manual pre-share 198.51.100.65' -c 'key other-secret' -c 'exit'
tunnel "$RB" mm 198.51.100.66 198.51.100.65 203.0.113.12 203.0.113.11 198.51.100.6
tunnel "$RA" mm 198.51.100.65 198.51.100.66 203.0.113.11 203.0.113.12 198.51.100.5
for ((i = 0; i < 100; i++)); do
  grep -q 'phase 1 from 198.51.100.65 refused: no proposal chosen.*aggressive mode only' "$RB/log/iked.log" && break
  sleep 0.1
done
grep -h 'phase 1 from 198.51.100.65 refused' "$RB/log/iked.log" | head -n 1 || true
grep -q 'phase 1 from 198.51.100.65 refused: no proposal chosen.*aggressive mode only' "$RB/log/iked.log" ||
  fail "B did not refuse main mode under a 'required' rule: $(tail -n 5 "$RB/log/iked.log")"
echo "ike_aggressive: ok"
