#!/usr/bin/env bash
# Every transform of the reference carries traffic between two erx-ipsec
# routers (one manual tunnel each: DES, 3DES, AES-CBC, AES-GCM and NULL
# encryption; HMAC-MD5-96, HMAC-SHA1-96, HMAC-SHA256-128; AH), and a tunnel
# whose operational virtual router is not the default one lives in that
# virtual router's network namespace while its ESP leaves from the transport
# virtual router.  datapathd publishes its tunnels and SAs on the bus.
# shellcheck source=tests/e2e/lib.sh
source "$(dirname "$0")/lib.sh"
# shellcheck source=tests/e2e/manual_pair.sh
source "$(dirname "$0")/manual_pair.sh"

XFS=(ah-hmac-md5 ah-hmac-sha esp-des-hmac-md5 esp-3des-hmac-md5 esp-des-hmac-sha esp-3des-hmac-sha
  esp-null-hmac-md5 esp-null-hmac-sha esp-des esp-3des esp-aes128-hmac-sha esp-aes256-hmac-sha
  esp-aes128-hmac-sha256 esp-aes256-hmac-sha256 esp-aes128-gcm esp-aes256-gcm)

pair_up
install_licence "$RA" 1000 # 17 tunnels: beyond the 10 of no licence
install_licence "$RB" 1000
for i in "${!XFS[@]}"; do
  pair_tunnel "x$i" "${XFS[$i]}" $((3000 + i)) $((4000 + i)) "203.0.113.$((2 * i + 1))" "203.0.113.$((2 * i + 2))" \
    "198.51.100.$((4 * i + 1))" "198.51.100.$((4 * i + 2))" 1400
done
for i in "${!XFS[@]}"; do
  wait_up "$RA" "x$i"
  wait_up "$RB" "x$i"
done
for i in "${!XFS[@]}"; do
  a="203.0.113.$((2 * i + 1))" b="203.0.113.$((2 * i + 2))"
  ip netns exec "$NSA" ping -q -c 2 -i 0.05 -W 1 -I "$a" "$b" >/dev/null || fail "${XFS[$i]}: no ping $a -> $b"
  ip netns exec "$NSB" ping -q -c 2 -i 0.05 -W 1 -s 1000 -I "$b" "$a" >/dev/null ||
    fail "${XFS[$i]}: no 1000-byte ping $b -> $a"
done
# every SA counted its packets; no drop of any kind
"$ERXSH" --dir "$RB" -c 'show ipsec sa' >"$TMP/sa.out"
for i in "${!XFS[@]}"; do
  grep -Eq "^ipsec:x$i +in +$((3000 + i)) .* ${XFS[$i]} +4 " "$TMP/sa.out" ||
    fail "${XFS[$i]}: host2's inbound SA did not count 4 packets: $(grep "ipsec:x$i " "$TMP/sa.out")"
done
if "$ERXSH" --dir "$RB" -c 'show ipsec tunnel detail' | grep -E 'errors:' | grep -Eq '[a-z]+ [1-9]'; then
  fail "drops counted: $("$ERXSH" --dir "$RB" -c 'show ipsec tunnel detail' | grep -E 'errors:' | grep -E '[a-z]+ [1-9]')"
fi
echo "dp_transforms: ${#XFS[@]} transforms carry pings both ways, no drops"

# a tunnel of virtual router vrA (transport virtual router default)
for r in "$RA" "$RB"; do
  if [ "$r" = "$RA" ]; then
    me=203.0.113.201 peer=203.0.113.202 src=192.0.2.1 dst=192.0.2.2 addr=198.51.100.201 od=ab id=ba so=5001 si=6001
  else
    me=203.0.113.202 peer=203.0.113.201 src=192.0.2.2 dst=192.0.2.1 addr=198.51.100.202 od=ba id=ab so=6001 si=5001
  fi
  "$ERXSH" --dir "$r" -c 'configure terminal' -c 'virtual-router vrA' \
    -c 'interface tunnel ipsec:vrtun transport-virtual-router default' -c "ip address $addr 255.255.255.252" \
    -c 'tunnel transform-set ts-x10' -c 'tunnel signaling manual' -c "tunnel source $src" \
    -c "tunnel destination $dst" -c "tunnel local-identity address $me" -c "tunnel peer-identity address $peer" \
    -c "tunnel session-key-outbound esp-aes128-hmac-sha $so $(keys_for esp-aes128-hmac-sha $od)" \
    -c "tunnel session-key-inbound esp-aes128-hmac-sha $si $(keys_for esp-aes128-hmac-sha $id)" >"$TMP/vr.out" ||
    fail "vrA tunnel refused: $(grep -B1 '%' "$TMP/vr.out")"
done
vr_up() { # DIR: "up" from vrA's point of view
  has 'Operational state: *up' "$ERXSH" --dir "$1" -c 'configure terminal' -c 'virtual-router vrA' \
    -c 'do show ipsec tunnel ipsec:vrtun detail'
}
for r in "$RA" "$RB"; do
  for ((k = 0; k < 100; k++)); do vr_up "$r" && break; sleep 0.1; done
  vr_up "$r" || fail "tunnel vrA:ipsec:vrtun on $r did not come up: $("$ERXSH" --dir "$r" -c 'configure terminal' -c 'virtual-router vrA' -c 'do show ipsec tunnel ipsec:vrtun detail' | tail -n 8; grep vrtun "$r/log/datapathd.log" | tail -n 3)"
done
vra="$NSA-vrA" vrb="$NSB-vrA"
has "^$vra" ip netns list || fail "no network namespace $vra for virtual router vrA"
has 'alias ipsec:vrtun' ip -n "$vra" -o link show || fail "the interface of ipsec:vrtun is not in $vra"
has 'alias ipsec:vrtun' ip -n "$NSA" -o link show && fail "the interface of ipsec:vrtun is in the default virtual router"
ip -n "$vra" addr add 203.0.113.201/32 dev lo
ip -n "$vrb" addr add 203.0.113.202/32 dev lo
ip netns exec "$vra" ping -q -c 3 -i 0.05 -W 1 -I 203.0.113.201 203.0.113.202 >/dev/null ||
  fail "no ping through the vrA tunnel"
echo "dp_transforms: a vrA tunnel lives in $vra and carries pings over ESP sent from the default virtual router"

# what datapathd publishes: every tunnel up, both SAs of each
"$WATCH" --dir "$RA" --service datapathd --dump --timeout 5 >"$TMP/dp.dump" || fail "erx-watch could not read datapathd"
ups=$(grep -c '^ITEM tunnel/.*up:true' "$TMP/dp.dump" || true)
sas=$(grep -c '^ITEM sa/' "$TMP/dp.dump" || true)
[ "$ups" -eq $((${#XFS[@]} + 1)) ] || fail "datapathd publishes $ups tunnels up, expected $((${#XFS[@]} + 1)): $(head -n 3 "$TMP/dp.dump")"
[ "$sas" -eq $((2 * (${#XFS[@]} + 1))) ] || fail "datapathd publishes $sas SAs, expected $((2 * (${#XFS[@]} + 1)))"
echo "dp_transforms: ok"
