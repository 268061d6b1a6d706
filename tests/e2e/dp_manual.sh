#!/usr/bin/env bash
# Manual tunnels end to end: two erx-ipsec routers in namespaces, configured
# only through erxsh, carry pings both ways over ESP (AES-CBC + HMAC-SHA1,
# AES-GCM) and AH; the counters move; a replayed and a tampered ESP packet
# are dropped and counted; the tunnel MTU is honoured; a kill -9 of
# datapathd under traffic heals by itself.
# shellcheck source=tests/e2e/lib.sh
source "$(dirname "$0")/lib.sh"
# shellcheck source=tests/e2e/manual_pair.sh
source "$(dirname "$0")/manual_pair.sh"
INJECT="$(dirname "$0")/esp_inject.py"

# counter DIR NAME WHAT: one number from show ipsec tunnel detail
# (WHAT: in_user in_acc out_user out_acc auth replay policy)
counter() {
  "$ERXSH" --dir "$1" -c "show ipsec tunnel ipsec:$2 detail" | awk -v w="$3" '
    /^ *Inbound:/ { dir = "in" } /^ *Outbound:/ { dir = "out" }
    /user [0-9]+ packets/ {
      for (i = 1; i <= NF; i++) {
        if ($i == "user") v[dir "_user"] = $(i + 1)
        if ($i == "accepted") v[dir "_acc"] = $(i + 1)
      }
    }
    /errors:/ && dir == "in" {
      for (i = 1; i <= NF; i++) { gsub(",", "", $(i + 1)); if ($i == "auth" || $i == "replay" || $i == "policy") v[$i] = $(i + 1) }
    }
    END { if (!(w in v)) exit 1; print v[w] }' || fail "no counter $3 for $2 on $1"
}

pair_up
#           name  transform            spi A->B  B->A  LAN A        LAN B        tunnel A      tunnel B      mtu
pair_tunnel esp   esp-aes128-hmac-sha  1001      2001  203.0.113.1  203.0.113.2  198.51.100.1  198.51.100.2  1400
pair_tunnel gcm   esp-aes128-gcm       1002      2002  203.0.113.3  203.0.113.4  198.51.100.5  198.51.100.6  1400
pair_tunnel ah    ah-hmac-sha          1003      2003  203.0.113.5  203.0.113.6  198.51.100.9  198.51.100.10 1400
for t in esp gcm ah; do
  wait_up "$RA" "$t"
  wait_up "$RB" "$t"
done

# pings both ways through each tunnel, between the protected addresses
ping_through() { # NS FROM TO COUNT
  ip netns exec "$1" ping -q -c "$4" -i 0.05 -W 1 -I "$2" "$3" >/dev/null
}
for spec in "esp 203.0.113.1 203.0.113.2" "gcm 203.0.113.3 203.0.113.4" "ah 203.0.113.5 203.0.113.6"; do
  read -r t la lb <<<"$spec"
  ping_through "$NSA" "$la" "$lb" 5 || fail "ping $la -> $lb through $t failed"
  ping_through "$NSB" "$lb" "$la" 5 || fail "ping $lb -> $la through $t failed"
  # A sent 5 requests and 5 replies (to B's requests): 10 out, 10 in
  for w in out_acc in_acc; do
    [ "$(counter "$RA" "$t" "$w")" -ge 10 ] || fail "$t on host1: $w did not reach 10"
    [ "$(counter "$RB" "$t" "$w")" -ge 10 ] || fail "$t on host2: $w did not reach 10"
  done
done
echo "dp_manual: ESP (CBC+HMAC), ESP (GCM) and AH carry pings both ways"

# the wire really is ESP/AH: nothing else crosses the link between the routers
has ' 1001 ' "$ERXSH" --dir "$RA" -c 'show ipsec sa' || fail "show ipsec sa does not list spi 1001"

# replay and tamper: capture one real ESP packet of tunnel esp on host2's side
cap="$TMP/cap.hex"
ip netns exec "$NSB" python3 "$INJECT" capture --src 192.0.2.1 --timeout 5 >"$cap" &
capid=$!
sleep 0.3
ping_through "$NSA" 203.0.113.1 203.0.113.2 1 || fail "ping for the capture failed"
wait "$capid" || fail "no ESP packet captured"
hex=$(cat "$cap")
[ "${hex:0:8}" = "$(printf '%08x' 1001)" ] || [ "${hex:0:8}" = "$(printf '%08x' 1002)" ] ||
  [ "${hex:0:8}" = "$(printf '%08x' 1003)" ] || fail "captured packet has an unexpected SPI ${hex:0:8}"
spi=$((16#${hex:0:8}))
t=esp
[ "$spi" -eq 1002 ] && t=gcm
auth0=$(counter "$RB" "$t" auth) replay0=$(counter "$RB" "$t" replay) acc0=$(counter "$RB" "$t" in_acc)
send() { ip netns exec "$NSA" python3 "$INJECT" send --src 192.0.2.1 --dst 192.0.2.2 --hex "$hex" "$@"; }
send                            # the same packet again: a replay
send --seq 3000000              # a sequence number never seen, so only the ICV can catch it
send --seq 3000001 --flip -1    # and a flipped bit in the ICV itself
sleep 0.3
[ "$(counter "$RB" "$t" replay)" -eq $((replay0 + 1)) ] || fail "the replayed packet was not counted as a replay"
[ "$(counter "$RB" "$t" auth)" -eq $((auth0 + 2)) ] || fail "the tampered packets were not counted as auth errors"
[ "$(counter "$RB" "$t" in_acc)" -eq "$acc0" ] || fail "a replayed or tampered packet was delivered"
ping_through "$NSA" 203.0.113.1 203.0.113.2 3 || fail "the tunnel stopped after the tampered packets"
echo "dp_manual: a replayed packet and two tampered packets were dropped and counted on $t"

# MTU 1400: 1372 bytes of ICMP payload fit, 1373 do not (DF set)
ip netns exec "$NSA" ping -q -c 1 -W 1 -M do -s 1372 -I 203.0.113.1 203.0.113.2 >/dev/null ||
  fail "a 1400-byte packet did not cross a tunnel with mtu 1400"
before=$(counter "$RA" esp out_user)
if ip netns exec "$NSA" ping -c 1 -W 1 -M do -s 1373 -I 203.0.113.1 203.0.113.2 >"$TMP/mtu.out" 2>&1; then
  fail "a 1401-byte packet with DF crossed a tunnel with mtu 1400"
fi
grep -qi 'too long\|mtu' "$TMP/mtu.out" || fail "no 'message too long' for a packet above the tunnel MTU: $(cat "$TMP/mtu.out")"
[ "$(counter "$RA" esp out_user)" -eq "$before" ] || fail "a packet above the tunnel MTU reached the tunnel"
ip netns exec "$NSA" ping -q -c 2 -W 1 -s 3000 -I 203.0.113.1 203.0.113.2 >/dev/null ||
  fail "a 3028-byte packet without DF was not fragmented into the tunnel"
echo "dp_manual: the tunnel MTU (1400) is honoured"

# kill -9 of datapathd on host1 while pings flow, then its supervisor starts
# it again (erx-router here, a restart policy in compose): it rebuilds its
# interfaces and SAs from configd and traffic resumes with no other action
replay_before=$(counter "$RB" esp replay)
out="$TMP/flood.out"
ip netns exec "$NSA" ping -c 200 -i 0.02 -W 1 -I 203.0.113.1 203.0.113.2 >"$out" 2>&1 &
pingid=$!
sleep 1
"$ROUTER" restart --dir "$RA" --service datapathd --kill >/dev/null || fail "datapathd did not come back"
wait "$pingid" || true
sent=$(awk '/packets transmitted/ {print $1}' "$out")
recv=$(awk '/packets transmitted/ {print $4}' "$out")
[ -n "$sent" ] && [ -n "$recv" ] || fail "no ping statistics: $(tail -n 3 "$out")"
lost=$((sent - recv))
ping_through "$NSA" 203.0.113.1 203.0.113.2 5 || fail "traffic did not resume after datapathd's kill -9"
ping_through "$NSB" 203.0.113.2 203.0.113.1 5 || fail "traffic back did not resume after datapathd's kill -9"
[ "$(counter "$RB" esp replay)" -eq "$replay_before" ] || fail "the restarted sender reused sequence numbers (replay drops on host2)"
echo "dp_manual: kill -9 of datapathd under 50 pings/s: $lost of $sent pings lost, traffic resumed"
# the interfaces outlive datapathd (persistent TUN devices); one whose tunnel
# was deleted meanwhile is removed when datapathd returns, the others stay
"$ROUTER" kill --dir "$RA" --service datapathd >/dev/null
has 'alias ipsec:ah' ip -n "$NSA" -o link show || fail "the interfaces did not outlive datapathd"
"$ERXSH" --dir "$RA" -c 'configure terminal' -c 'no interface tunnel ipsec:ah' >/dev/null || fail "cannot delete ipsec:ah"
"$ROUTER" restart --dir "$RA" --service datapathd >/dev/null || fail "datapathd did not start again"
for ((i = 0; i < 50; i++)); do
  has 'alias ipsec:ah' ip -n "$NSA" -o link show || break
  sleep 0.1
done
has 'alias ipsec:ah' ip -n "$NSA" -o link show && fail "the interface of the deleted tunnel ipsec:ah stayed"
has 'alias ipsec:esp' ip -n "$NSA" -o link show || fail "the interface of ipsec:esp went away"
ping_through "$NSA" 203.0.113.1 203.0.113.2 3 || fail "traffic did not resume after datapathd was down"
echo "dp_manual: interfaces outlive datapathd; a deleted tunnel's interface is removed on its return"
echo "dp_manual: ok"
