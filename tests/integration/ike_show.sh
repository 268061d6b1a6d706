#!/usr/bin/env bash
# iked's show and clear commands through configd, on one router: `show ipsec
# ike-sa` answers (empty), `ipsec clear sa` refuses what it cannot clear, a
# signaled tunnel to a TEST-NET peer that never answers shows its phase-1 SA
# negotiating (initiator, mmSaI) and then why it is down, `ipsec clear sa
# ... phase 1` starts a new SA (new cookie), and with iked killed the
# commands say so at once instead of waiting.  About 20 s.
# shellcheck source=tests/integration/lib.sh
source "$(dirname "$0")/lib.sh"
[ -x "$ERX_BIN/iked" ] || fail "no $ERX_BIN/iked"
r=$(start_router host1)
ns="erx$$-r-host1"
cli() { "$ERXSH" --dir "$r" "$@"; }
cfg() { "$ERXSH" --dir "$r" -c 'configure terminal' "$@"; }
ms() { date +%s%3N; }

# iked running, nothing configured
cli -c 'show ipsec ike-sa' >"$TMP/sa0" || fail "show ipsec ike-sa failed: $(cat "$TMP/sa0")"
grep -qx 'No IKE SAs' "$TMP/sa0" || fail "show ipsec ike-sa with no SAs: $(cat "$TMP/sa0")"

# a clear of a tunnel that does not exist is refused, naming it
if cfg -c 'ipsec clear sa tunnel ipsec:nosuch phase 1' >"$TMP/clr0"; then
  fail "clearing a tunnel that does not exist was accepted: $(cat "$TMP/clr0")"
fi
grep -qx '% Tunnel ipsec:nosuch does not exist in virtual-router default' "$TMP/clr0" ||
  fail "unclear error for a missing tunnel: $(cat "$TMP/clr0")"

# the transport VR's address on a link whose far side never answers:
# 198.51.100.77 (TEST-NET-2) is routed to a neighbour that does not exist
ip -n "$ns" link add v0 type veth peer name v1
ip -n "$ns" addr add 192.0.2.1/24 dev v0
ip -n "$ns" link set v0 up
ip -n "$ns" link set v1 up
ip -n "$ns" neigh add 192.0.2.254 lladdr 02:00:00:00:00:01 dev v0
ip -n "$ns" route add 198.51.100.0/24 via 192.0.2.254 dev v0
cfg -c 'ipsec transform-set ts1 esp-3des-hmac-sha' -c 'ipsec key manual pre-share 198.51.100.77' -c 'key lab-secret' \
  -c 'exit' -c 'interface tunnel ipsec:far' -c 'ip address 10.9.9.1 255.255.255.252' -c 'tunnel transform-set ts1' \
  -c 'tunnel source 192.0.2.1' -c 'tunnel destination 198.51.100.77' -c 'tunnel local-identity address 203.0.113.1' \
  -c 'tunnel peer-identity address 203.0.113.2' -c 'exit' -c 'interface tunnel ipsec:man' -c 'tunnel signaling manual' \
  -c 'exit' -c 'interface tunnel ipsec:half' >"$TMP/cfg" || fail "configuration refused: $(grep -B1 '%' "$TMP/cfg")"

# phase 1 starts at once: one SA, initiator, not done, main mode's first state
sa_line() { awk '$1 == "198.51.100.77:500"' "$TMP/sa"; }
wait_sa() {
  for ((i = 0; i < 50; i++)); do
    cli -c 'show ipsec ike-sa' >"$TMP/sa"
    [ -n "$(sa_line)" ] && return 0
    sleep 0.1
  done
  return 1
}
wait_sa || true
line=$(sa_line)
[ -n "$line" ] || fail "no phase-1 SA with 198.51.100.77: $(cat "$TMP/sa")"
read -r remote lcl vr dir isdone state left lcookie rcookie <<<"$line"
[ "$lcl $vr $dir $isdone $state $left" = "192.0.2.1:500 default initiator no mmSaI -" ] ||
  fail "unexpected phase-1 SA: $(cat "$TMP/sa")"
[[ $lcookie =~ ^[0-9a-f]{16}$ && $lcookie != 0000000000000000 ]] || fail "bad local cookie '$lcookie'"
[ "$rcookie" = 0000000000000000 ] || fail "a remote cookie from a peer that never answered: $rcookie"
grep -q '^Remote  *Local  *VR  *Direction  *Done  *State  *Remaining  *Local cookie  *Remote cookie$' "$TMP/sa" ||
  fail "show ipsec ike-sa header: $(head -n 1 "$TMP/sa")"
cli -c 'show ipsec ike-sa detail' >"$TMP/sad"
grep -q '^    main mode, proposal -, NAT-T no, DPD no, tunnels ipsec:far$' "$TMP/sad" ||
  fail "show ipsec ike-sa detail: $(cat "$TMP/sad")"
echo "ike_show: $remote negotiating: $dir, state $state, local cookie $lcookie"

# the tunnel's IKE side while negotiating
cli -c 'show ipsec tunnel ipsec:far detail' >"$TMP/det"
grep -q '^  IKE:  *peer 198.51.100.77, phase 1 mmSaI, phase 2 down, 0 rekeys$' "$TMP/det" ||
  fail "no IKE line in show ipsec tunnel detail: $(cat "$TMP/det")"

# after 5 retransmissions 2 s apart iked gives up on that attempt: the reason
# replaces datapathd's "waiting for IKE negotiation" in both forms
for ((i = 0; i < 200; i++)); do
  has 'down (IKE: .*no answer' cli -c 'show ipsec tunnel' && break
  sleep 0.1
done
cli -c 'show ipsec tunnel' >"$TMP/tun"
grep -Eq '^ipsec:far +signaled .* down \(IKE: .*198\.51\.100\.77.*no answer.*\)$' "$TMP/tun" ||
  fail "show ipsec tunnel does not say why ipsec:far is down: $(cat "$TMP/tun")"
grep -Eq '^ipsec:man +manual .* down$' "$TMP/tun" || fail "the manual tunnel's line changed: $(cat "$TMP/tun")"
cli -c 'show ipsec tunnel ipsec:far detail' >"$TMP/det"
grep -Eq '^  Down because: +IKE: .*no answer' "$TMP/det" || fail "detail: no IKE reason: $(cat "$TMP/det")"
echo "ike_show: $(grep -E 'Down because' "$TMP/det" | sed 's/  */ /g')"

# clears: a manual tunnel is refused, an incomplete one has nothing to clear
# (accepted, as the seed's), a negotiating one starts again with a new cookie
if cfg -c 'ipsec clear sa tunnel ipsec:man phase 1' >"$TMP/clr1"; then
  fail "clearing a manual tunnel was accepted: $(cat "$TMP/clr1")"
fi
grep -qx '% Tunnel ipsec:man is a manual tunnel: it has no IKE SAs to refresh' "$TMP/clr1" ||
  fail "manual tunnel: $(cat "$TMP/clr1")"
cfg -c 'ipsec clear sa tunnel ipsec:half phase 2' >"$TMP/clr2" || fail "clear of an incomplete tunnel refused"
grep -q '^% No phase 2 SA to refresh for ipsec:half: its configuration is incomplete' "$TMP/clr2" ||
  fail "incomplete tunnel: $(cat "$TMP/clr2")"
# (between two attempts there is no SA: wait for the next one)
wait_sa || fail "no phase-1 SA to clear: $(cat "$TMP/sa")"
old=$(sa_line | awk '{print $8}')
cfg -c 'ipsec clear sa tunnel ipsec:far phase 1' >"$TMP/clr3" || fail "clear phase 1 refused: $(cat "$TMP/clr3")"
grep -q 'cleared; negotiating again' "$TMP/clr3" || fail "clear phase 1: $(cat "$TMP/clr3")"
wait_sa || fail "no phase-1 SA after the clear: $(cat "$TMP/sa")"
new=$(sa_line | awk '{print $8}')
[ "$new" != "$old" ] || fail "the same phase-1 SA after the clear (cookie $old): $(cat "$TMP/sa")"
has '^  Down because: *waiting for IKE' cli -c 'show ipsec tunnel ipsec:far detail' ||
  fail "the cleared tunnel still shows its old error"
echo "ike_show: ipsec clear sa tunnel ipsec:far phase 1: cookie $old -> $new"

# iked killed: said at once, not after a time-out, and again for the next commands
"$ROUTER" kill --dir "$r" --service iked >/dev/null
t0=$(ms)
cli -c 'show ipsec ike-sa' >"$TMP/dead" || true
t1=$(ms)
grep -qx '% The IKE service (iked) is not running: no IKE SAs' "$TMP/dead" ||
  fail "with iked killed: $(cat "$TMP/dead")"
[ $((t1 - t0)) -lt 800 ] || fail "show ipsec ike-sa took $((t1 - t0)) ms with iked dead"
t0=$(ms)
if cfg -c 'ipsec clear sa tunnel ipsec:far phase 2' >"$TMP/dead2"; then fail "clear accepted without iked"; fi
cli -c 'show ipsec tunnel ipsec:far detail' >"$TMP/dead3"
t1=$(ms)
grep -qx '% No phase 2 SA to refresh for ipsec:far: the IKE service (iked) is not running' "$TMP/dead2" ||
  fail "clear without iked: $(cat "$TMP/dead2")"
grep -q '^  IKE:  *unknown (the IKE service (iked) is not running)$' "$TMP/dead3" ||
  fail "detail without iked: $(cat "$TMP/dead3")"
[ $((t1 - t0)) -lt 800 ] || fail "clear and show took $((t1 - t0)) ms with iked dead"
echo "ike_show: with iked killed show and clear answer at once ($((t1 - t0)) ms)"

# iked back: answered again
"$ROUTER" restart --dir "$r" --service iked >/dev/null || fail "iked did not restart"
wait_sa || fail "iked restarted but show ipsec ike-sa: $(cat "$TMP/sa")"
echo "ike_show: ok"
