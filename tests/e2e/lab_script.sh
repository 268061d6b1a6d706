#!/usr/bin/env bash
# scripts/lab.sh, the README's one-command lab: `up` brings two routers and
# their IKE-negotiated tunnel up (a ping crosses, show ipsec ike-sa has a
# done SA), `down` stops them and removes every namespace it made.  Run with
# a private directory and namespace prefix, so the user's own lab is untouched.
# shellcheck source=tests/e2e/lib.sh
source "$(dirname "$0")/lib.sh"
[ -x "$ERX_BIN/iked" ] || fail "no $ERX_BIN/iked"
export ERX_LAB_DIR="$TMP" ERX_LAB_NS="erx$$-l" ERX_BIN
"$ERX_SRC/scripts/lab.sh" up >"$TMP/up.out" 2>&1 || fail "lab.sh up: $(cat "$TMP/up.out")"
grep -q 'lab up' "$TMP/up.out" || fail "lab.sh up said: $(cat "$TMP/up.out")"
ip netns exec "$ERX_LAB_NS-host2" ping -q -c 2 -W 2 -I 203.0.113.2 203.0.113.1 >"$TMP/ping.out" 2>&1 ||
  fail "no ping host2->host1: $(cat "$TMP/ping.out")"
has 'initiator *yes *done\|responder *yes *done' "$ERX_BIN/erxsh" --dir "$TMP/host1" -c 'show ipsec ike-sa' ||
  fail "no established IKE SA on host1"
"$ERX_SRC/scripts/lab.sh" down >"$TMP/down.out" 2>&1 || fail "lab.sh down: $(cat "$TMP/down.out")"
left=$(ip netns list | awk -v p="$ERX_LAB_NS-" 'index($1, p) == 1' | wc -l)
[ "$left" -eq 0 ] || fail "lab.sh down left $left namespaces"
pgrep -f "$TMP/host1/state" >/dev/null && fail "lab.sh down left host1's services running"
echo "lab_script: up (tunnel negotiated, pings both ways), down (nothing left)"
