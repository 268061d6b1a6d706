#!/usr/bin/env bash
# iked negotiates: two erx-ipsec routers, each with a signaled tunnel
# configured only through erxsh (3DES/SHA transform set, a pre-shared key
# for the peer's address, PFS group 5), bring it up over UDP 500 (main mode,
# quick mode), datapathd installs the SAs iked publishes and pings cross
# both ways; `show ipsec sa` agrees on both sides (A's outbound SPI is B's
# inbound one and the reverse).  Then a tunnel whose keys differ stays down
# and iked's log names the authentication failure for that tunnel.
# Needs iked in ERX_BIN (cmake -DERX_IKED=ON).
# shellcheck source=tests/e2e/lib.sh
source "$(dirname "$0")/lib.sh"
# shellcheck source=tests/e2e/manual_pair.sh
source "$(dirname "$0")/manual_pair.sh"
[ -x "$ERX_BIN/iked" ] || fail "no $ERX_BIN/iked (configure with -DERX_IKED=ON)"

pair_up
ip -n "$NSA" addr add 203.0.113.1/32 dev lo
ip -n "$NSB" addr add 203.0.113.2/32 dev lo
signaled_tunnel "$RA" sig esp-3des-hmac-sha 192.0.2.1 192.0.2.2 203.0.113.1 203.0.113.2 198.51.100.1 lab-secret 'tunnel pfs group 5'
signaled_tunnel "$RB" sig esp-3des-hmac-sha 192.0.2.2 192.0.2.1 203.0.113.2 203.0.113.1 198.51.100.2 lab-secret 'tunnel pfs group 5'
wait_up "$RA" sig
wait_up "$RB" sig
ip netns exec "$NSA" ping -q -c 3 -W 2 -I 203.0.113.1 203.0.113.2 >"$TMP/ping.out" 2>&1 ||
  fail "no ping A->B through the negotiated tunnel: $(cat "$TMP/ping.out")"
ip netns exec "$NSB" ping -q -c 3 -W 2 -I 203.0.113.2 203.0.113.1 >"$TMP/ping.out" 2>&1 ||
  fail "no ping B->A through the negotiated tunnel: $(cat "$TMP/ping.out")"
echo "ike_pair: main mode + quick mode (3DES/SHA, PFS group 5) negotiated by iked; pings cross both ways"

# show ipsec sa: one SA each way on each side, A's out = B's in and the reverse
spi() { awk -v d="$2" '$1 == "ipsec:sig" && $2 == d {print $3}' "$TMP/sa-$1.out"; }
"$ERXSH" --dir "$RA" -c 'show ipsec sa' >"$TMP/sa-a.out"
"$ERXSH" --dir "$RB" -c 'show ipsec sa' >"$TMP/sa-b.out"
a_out=$(spi a out) a_in=$(spi a in) b_out=$(spi b out) b_in=$(spi b in)
if [ "$(wc -w <<<"$a_out $a_in $b_out $b_in")" -ne 4 ]; then
  fail "expected one SA each way on each router: $(cat "$TMP/sa-a.out" "$TMP/sa-b.out")"
fi
if [ "$a_out" != "$b_in" ] || [ "$b_out" != "$a_in" ]; then
  fail "the SPIs do not match: A out $a_out in $a_in, B out $b_out in $b_in"
fi
for s in $a_out $a_in; do [ "$s" -ge 256 ] || fail "SPI $s below 256"; done
grep -Eq 'ipsec:sig: phase 2 .* up' "$RA/log/iked.log" "$RB/log/iked.log" || fail "iked did not log phase 2"
echo "ike_pair: show ipsec sa agrees on both routers (A->B spi $a_out, B->A spi $b_out)"

# iked on A killed and restarted: datapathd drops its SAs, the new iked
# negotiates again with B (which still has the old ISAKMP SA) and traffic
# crosses on new SPIs
"$ROUTER" restart --dir "$RA" --service iked --kill >/dev/null || fail "iked did not restart"
for ((i = 0; i < 100; i++)); do
  "$ERXSH" --dir "$RA" -c 'show ipsec sa' >"$TMP/sa-a.out"
  n_out=$(spi a out)
  [ -n "$n_out" ] && [ "$n_out" != "$a_out" ] && break
  sleep 0.1
done
if [ -z "$n_out" ] || [ "$n_out" = "$a_out" ]; then fail "no new SAs after iked restarted: $(cat "$TMP/sa-a.out")"; fi
wait_up "$RA" sig
ip netns exec "$NSA" ping -q -c 3 -W 2 -I 203.0.113.1 203.0.113.2 >"$TMP/ping.out" 2>&1 ||
  fail "no ping A->B after iked restarted: $(cat "$TMP/ping.out")"
"$ERXSH" --dir "$RB" -c 'show ipsec sa' >"$TMP/sa-b.out"
# B keeps the old inbound SA a few seconds after the new pair (rekey rule)
grep -qw "$n_out" <<<"$(spi b in)" || fail "B's inbound SAs do not include A's new outbound one: $(cat "$TMP/sa-b.out")"
echo "ike_pair: after iked was killed and restarted on A the tunnel came back (A->B spi $n_out)"

# mismatched pre-shared keys on a second link: the tunnel stays down and
# iked's log names the authentication failure for it
ip link add "k$$a" type veth peer name "k$$b"
ip link set "k$$a" netns "$NSA"
ip link set "k$$b" netns "$NSB"
ip -n "$NSA" addr add 198.51.100.65/30 dev "k$$a"
ip -n "$NSB" addr add 198.51.100.66/30 dev "k$$b"
ip -n "$NSA" link set "k$$a" up
ip -n "$NSB" link set "k$$b" up
signaled_tunnel "$RA" bad esp-3des-hmac-sha 198.51.100.65 198.51.100.66 203.0.113.11 203.0.113.12 198.51.100.5 key-of-a 'tunnel pfs group 5'
signaled_tunnel "$RB" bad esp-3des-hmac-sha 198.51.100.66 198.51.100.65 203.0.113.12 203.0.113.11 198.51.100.6 key-of-b 'tunnel pfs group 5'
for ((i = 0; i < 100; i++)); do
  grep -Eiq 'ipsec:bad.*authentication.failed' "$RA/log/iked.log" "$RB/log/iked.log" && break
  sleep 0.1
done
grep -Eiq 'ipsec:bad.*authentication.failed' "$RA/log/iked.log" "$RB/log/iked.log" ||
  fail "no authentication failure logged for ipsec:bad: $(tail -n 5 "$RA/log/iked.log" "$RB/log/iked.log")"
sleep 2
has 'Operational state: *up' "$ERXSH" --dir "$RA" -c 'show ipsec tunnel ipsec:bad detail' &&
  fail "a tunnel with mismatched keys came up"
grep -Eq 'key-of-[ab]' "$RA/log/iked.log" "$RB/log/iked.log" && fail "a key appears in iked's log"
grep -Ehi -m 1 'ipsec:bad.*authentication.failed' "$RA/log/iked.log" || true
has 'Operational state: *up' "$ERXSH" --dir "$RA" -c 'show ipsec tunnel ipsec:sig detail' ||
  fail "the good tunnel went down"
echo "ike_pair: ok"

# ---- show ipsec ike-sa, the IKE side of show ipsec tunnel, ipsec clear sa ----
# done_sa DIR PEER: the established phase-1 SAs with PEER:500, as
# "remote local vr direction done state remaining local-cookie remote-cookie"
done_sa() {
  "$ERXSH" --dir "$1" -c 'show ipsec ike-sa' | awk -v p="$2:500" '$1 == p && $5 == "yes" && $6 == "done"'
}
# sig_spis DIR: "in-spis/out-spis" of ipsec:sig in show ipsec sa
sig_spis() {
  "$ERXSH" --dir "$1" -c 'show ipsec sa' |
    awk '$1 == "ipsec:sig" {s[$2] = s[$2] " " $3} END {print s["in"] " /" s["out"]}'
}
ping_both() {
  ip netns exec "$NSA" ping -q -c 3 -W 2 -I 203.0.113.1 203.0.113.2 >"$TMP/ping.out" 2>&1 ||
    fail "no ping A->B $1: $(cat "$TMP/ping.out")"
  ip netns exec "$NSB" ping -q -c 3 -W 2 -I 203.0.113.2 203.0.113.1 >"$TMP/ping.out" 2>&1 ||
    fail "no ping B->A $1: $(cat "$TMP/ping.out")"
}
# cookies_agree: one established SA on each side, A's local cookie is B's
# remote one and the reverse; sets A_LC A_RC
cookies_agree() {
  local a b
  a=$(done_sa "$RA" 192.0.2.2) b=$(done_sa "$RB" 192.0.2.1)
  [[ -n $a && $(wc -l <<<"$a") -eq 1 ]] || fail "A: not one established phase-1 SA with B: '$a'"
  [[ -n $b && $(wc -l <<<"$b") -eq 1 ]] || fail "B: not one established phase-1 SA with A: '$b'"
  read -r _ _ _ _ _ _ _ A_LC A_RC <<<"$a"
  local b_lc b_rc
  read -r _ _ _ _ _ _ _ b_lc b_rc <<<"$b"
  [[ $A_LC == "$b_rc" && $A_RC == "$b_lc" ]] ||
    fail "the cookies do not agree: A local $A_LC remote $A_RC, B local $b_lc remote $b_rc"
  [ "$(awk '{print $4}' <<<"$a")/$(awk '{print $4}' <<<"$b")" != initiator/initiator ] ||
    fail "both routers claim to be the initiator: $a / $b"
}
cookies_agree
for d in "$RA" "$RB"; do
  "$ERXSH" --dir "$d" -c 'show ipsec tunnel ipsec:sig detail' >"$TMP/det.out"
  grep -Eq '^  IKE: +peer 192\.0\.2\.[12], phase 1 done, phase 2 up \([0-9]+ seconds left\), [0-9]+ rekeys?$' \
    "$TMP/det.out" || fail "show ipsec tunnel detail does not show phase 2 up: $(cat "$TMP/det.out")"
done
echo "ike_pair: show ipsec ike-sa: one established SA on each router, cookies $A_LC/$A_RC agree"

# phase 2 cleared on A: new SPIs on both routers within 15 s, traffic crosses
before=$(sig_spis "$RA")
"$ERXSH" --dir "$RA" -c 'configure terminal' -c 'ipsec clear sa tunnel ipsec:sig phase 2' >"$TMP/clr.out" ||
  fail "ipsec clear sa ... phase 2 refused: $(cat "$TMP/clr.out")"
grep -q 'negotiating again' "$TMP/clr.out" || fail "clear phase 2 said: $(cat "$TMP/clr.out")"
for ((i = 0; i < 150; i++)); do
  now=$(sig_spis "$RA")
  read -r -a a_in <<<"${now%/*}"
  read -r -a a_out <<<"${now#*/}"
  if [ "${#a_out[@]}" -eq 1 ] && [ "${#a_in[@]}" -ge 1 ] && [[ " ${before#*/} " != *" ${a_out[0]} "* ]] &&
    [[ " $(sig_spis "$RB") " == *" ${a_out[0]} "* ]]; then
    break
  fi
  sleep 0.1
done
[[ " ${before#*/} " != *" ${a_out[0]:-} "* ]] || fail "no new SPIs 15 s after clearing phase 2: $before -> $now"
wait_up "$RA" sig
wait_up "$RB" sig
ping_both "after ipsec clear sa ... phase 2"
read -r -a old_out <<<"${before#*/}"
echo "ike_pair: ipsec clear sa tunnel ipsec:sig phase 2: outbound SPI ${old_out[*]} -> ${a_out[0]}, pings cross"

# phase 1 cleared on A: a new ISAKMP SA (new cookies on both sides), the old
# one gone from B too, traffic crosses
old_lc=$A_LC old_rc=$A_RC
"$ERXSH" --dir "$RA" -c 'configure terminal' -c 'ipsec clear sa tunnel ipsec:sig phase 1' >"$TMP/clr.out" ||
  fail "ipsec clear sa ... phase 1 refused: $(cat "$TMP/clr.out")"
grep -q 'negotiating again' "$TMP/clr.out" || fail "clear phase 1 said: $(cat "$TMP/clr.out")"
for ((i = 0; i < 150; i++)); do
  a=$(done_sa "$RA" 192.0.2.2)
  [ -n "$a" ] && [[ $a != *"$old_lc"* ]] && [ "$(done_sa "$RB" 192.0.2.1 | wc -l)" -eq 1 ] &&
    [[ $(done_sa "$RB" 192.0.2.1) != *"$old_lc"* ]] && break
  sleep 0.1
done
cookies_agree
[[ $A_LC != "$old_lc" && $A_RC != "$old_rc" ]] ||
  fail "no new phase-1 SA 15 s after clearing phase 1: cookies $old_lc/$old_rc -> $A_LC/$A_RC"
wait_up "$RA" sig
wait_up "$RB" sig
ping_both "after ipsec clear sa ... phase 1"
echo "ike_pair: ipsec clear sa tunnel ipsec:sig phase 1: cookies $old_lc/$old_rc -> $A_LC/$A_RC, pings cross"
echo "ike_pair: show and clear ok"

# datapathd on A killed under traffic: the restarted one reinstalls the SAs
# from iked's Clone state with outbound sequence numbers from 1 again, below
# B's replay window (2,000 packets went before); iked sees datapathd's new
# epoch and rekeys, so pings cross again within seconds
ip netns exec "$NSA" ping -q -c 2000 -i 0.002 -W 1 -I 203.0.113.1 203.0.113.2 >/dev/null 2>&1 || true
"$ROUTER" restart --dir "$RA" --service datapathd --kill >/dev/null || fail "datapathd did not restart"
for ((i = 0; i < 20; i++)); do
  ip netns exec "$NSA" ping -q -c 1 -W 1 -I 203.0.113.1 203.0.113.2 >/dev/null 2>&1 && break
done
ip netns exec "$NSA" ping -q -c 3 -W 2 -I 203.0.113.1 203.0.113.2 >"$TMP/ping.out" 2>&1 ||
  fail "no ping A->B after datapathd restarted: $(cat "$TMP/ping.out"; grep -h 'datapathd restarted' "$RA/log/iked.log")"
grep -q 'datapathd restarted: rekeying' "$RA/log/iked.log" || fail "iked did not rekey after datapathd restarted"
echo "ike_pair: datapathd killed under traffic on A: iked rekeyed, pings cross"
