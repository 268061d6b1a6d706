#!/usr/bin/env bash
# The wire part of DPD (RFC 3706), driven as dpd-monitor will drive it: a
# probe request on iked's control socket sends R-U-THERE over the tunnel's
# ISAKMP SA; the peer's iked answers R-U-THERE-ACK with the same sequence
# number and says on its bus that it was asked; ours publishes the ACK
# (topic ike.dpd).  A stopped peer answers nothing; a tunnel without an
# ISAKMP SA or an unknown one is refused with the reason.
# shellcheck source=tests/e2e/lib.sh
source "$(dirname "$0")/lib.sh"
# shellcheck source=tests/e2e/manual_pair.sh
source "$(dirname "$0")/manual_pair.sh"
[ -x "$ERX_BIN/iked" ] || fail "no $ERX_BIN/iked (configure with -DERX_IKED=ON)"
PROBE="$ERX_BIN/../tests/dpd_probe"
[ -x "$PROBE" ] || fail "no $PROBE"

pair_up
ip -n "$NSA" addr add 203.0.113.1/32 dev lo
ip -n "$NSB" addr add 203.0.113.2/32 dev lo
signaled_tunnel "$RA" sig esp-aes128-hmac-sha 192.0.2.1 192.0.2.2 203.0.113.1 203.0.113.2 198.51.100.1 dpd-secret
signaled_tunnel "$RB" sig esp-aes128-hmac-sha 192.0.2.2 192.0.2.1 203.0.113.2 203.0.113.1 198.51.100.2 dpd-secret
wait_up "$RA" sig
wait_up "$RB" sig

"$WATCH" --dir "$RA" --service iked --prefix ike.dpd >"$TMP/watch-a.out" 2>&1 &
BG_PIDS+=($!)
"$WATCH" --dir "$RB" --service iked --prefix ike.dpd >"$TMP/watch-b.out" 2>&1 &
BG_PIDS+=($!)
for ((i = 0; i < 50; i++)); do
  grep -q SYNC "$TMP/watch-a.out" && grep -q SYNC "$TMP/watch-b.out" && break
  sleep 0.1
done
grep -q SYNC "$TMP/watch-a.out" || fail "erx-watch did not sync with A's iked"

probe() { ERX_RUNDIR="$1/run" "$PROBE" default "$2" 2>&1; }
# waits up to 3 s for a DpdEvent line in FILE with seq SEQ and ack ACK
event() {
  for ((i = 0; i < 30; i++)); do
    # proto3 text leaves a false ack out
    if [ "$3" = true ]; then
      grep -E "^SET dpd/default/sig .*seq: ?$2\b" "$1" | grep -Eq "ack: ?true" && return 0
    else
      grep -E "^SET dpd/default/sig .*seq: ?$2\b" "$1" | grep -Evq "ack: ?true" && return 0
    fi
    sleep 0.1
  done
  return 1
}
out=$(probe "$RA" sig) || fail "probe refused: $out"
seq=${out#seq }
[[ $seq =~ ^[0-9]+$ ]] || fail "probe said: $out"
event "$TMP/watch-a.out" "$seq" true || fail "no R-U-THERE-ACK $seq published by A: $(cat "$TMP/watch-a.out")"
event "$TMP/watch-b.out" "$seq" false || fail "B did not publish the R-U-THERE $seq it answered: $(cat "$TMP/watch-b.out")"
echo "ike_dpd: R-U-THERE $seq from A answered by B (ACK published by A, the question by B)"

out2=$(probe "$RA" sig) || fail "second probe refused: $out2"
[ "${out2#seq }" -gt "$seq" ] || fail "sequence numbers do not increase: $seq then $out2"
event "$TMP/watch-a.out" "${out2#seq }" true || fail "no ACK for the second probe"

# B stopped: the probe goes out, no ACK comes back
pid_b=$(cat "$RB/run/iked.pid")
kill -STOP "$pid_b"
out3=$(probe "$RA" sig) || { kill -CONT "$pid_b"; fail "probe refused while B is stopped: $out3"; }
if event "$TMP/watch-a.out" "${out3#seq }" true; then
  kill -CONT "$pid_b"
  fail "an ACK came from a stopped peer"
fi
kill -CONT "$pid_b"
echo "ike_dpd: a stopped peer gives no ACK (seq ${out3#seq })"

out=$(probe "$RA" nosuch) && fail "a probe for an unknown tunnel was accepted: $out"
grep -q 'not a signaled tunnel' <<<"$out" || fail "unknown tunnel refused without the reason: $out"
echo "ike_dpd: ok"
