#!/usr/bin/env bash
# NAT traversal through a real NAT (RFC 3947/3948): router A (192.0.2.1)
# sits behind a masquerading namespace whose public address is
# 198.51.100.254; router B (198.51.100.2) knows A only as that address.
# A initiates, NAT-D shows A behind a NAT, both float to UDP 4500, ESP goes
# in UDP through the NAT both ways (tcpdump on the public side sees no plain
# ESP), and A, being behind the NAT, sends RFC 3948 keepalives (one octet
# 0xff to port 4500) every 20 s.
# shellcheck source=tests/e2e/lib.sh
source "$(dirname "$0")/lib.sh"
# shellcheck source=tests/e2e/manual_pair.sh
source "$(dirname "$0")/manual_pair.sh"
[ -x "$ERX_BIN/iked" ] || fail "no $ERX_BIN/iked (configure with -DERX_IKED=ON)"
command -v nft >/dev/null || fail "nft not installed (scripts/install-deps.sh)"
command -v tcpdump >/dev/null || fail "tcpdump not installed (scripts/install-deps.sh)"

NSA="" NSN="" NSB=""
netns_new NSA a
netns_new NSN nat
netns_new NSB b
link "$NSA" 192.0.2.1/24 "$NSN" 192.0.2.254/24
link "$NSN" 198.51.100.254/24 "$NSB" 198.51.100.2/24
pub=$(ip -n "$NSN" -o addr show to 198.51.100.254 | awk '{print $2; exit}')
ip -n "$NSA" route add default via 192.0.2.254
ip netns exec "$NSN" sysctl -qw net.ipv4.ip_forward=1
ip netns exec "$NSN" nft -f - <<NFT || fail "cannot set up the NAT"
table ip nat {
  chain post { type nat hook postrouting priority srcnat; oifname "$pub" masquerade; }
}
NFT
ip netns exec "$NSA" ping -c 1 -W 2 198.51.100.2 >/dev/null || fail "no connectivity through the NAT"
RA=$(start_router host1 --netns "$NSA")
RB=$(start_router host2 --netns "$NSB")
ip -n "$NSA" addr add 203.0.113.1/32 dev lo
ip -n "$NSB" addr add 203.0.113.2/32 dev lo

capture_start "$NSN" "$TMP/public.pcap" 120 -i "$pub" 'udp or esp'
signaled_tunnel "$RB" sig esp-aes128-gcm 198.51.100.2 198.51.100.254 203.0.113.2 203.0.113.1 198.51.100.6 nat-secret
signaled_tunnel "$RA" sig esp-aes128-gcm 192.0.2.1 198.51.100.2 203.0.113.1 203.0.113.2 198.51.100.5 nat-secret
wait_up "$RA" sig
wait_up "$RB" sig
t_up=$(date +%s)
ip netns exec "$NSA" ping -q -c 3 -W 2 -I 203.0.113.1 203.0.113.2 >"$TMP/ping.out" 2>&1 ||
  fail "no ping A->B through the NAT: $(cat "$TMP/ping.out")"
ip netns exec "$NSB" ping -q -c 3 -W 2 -I 203.0.113.2 203.0.113.1 >"$TMP/ping.out" 2>&1 ||
  fail "no ping B->A through the NAT: $(cat "$TMP/ping.out")"
grep -q 'NAT detected, floating to UDP 4500' "$RA/log/iked.log" || fail "A did not float to 4500"
grep -q 'ESP in UDP 4500' "$RB/log/iked.log" || fail "B's SAs are not UDP-encapsulated"
has 'NAT-T yes' "$ERXSH" --dir "$RB" -c 'show ipsec ike-sa detail' || fail "B's show ipsec ike-sa does not say NAT-T"
echo "ike_natt: A behind a NAT floated to 4500; ESP in UDP carries pings both ways"

# keepalives: the first one 20 s after phase 1
sleep $((t_up + 22 - $(date +%s)))
kill -INT "$CAP_PID" 2>/dev/null || true
wait "$CAP_PID" 2>/dev/null || true
esp=$(tcpdump -n -r "$TMP/public.pcap" 'ip proto 50' 2>/dev/null | wc -l)
[ "$esp" -eq 0 ] || fail "$esp plain ESP packets on the public side"
encap=$(tcpdump -n -r "$TMP/public.pcap" 'udp port 4500 and udp[8:4] != 0 and udp[4:2] > 9' 2>/dev/null | wc -l)
[ "$encap" -ge 12 ] || fail "only $encap ESP-in-UDP packets on the public side"
ka=$(tcpdump -n -r "$TMP/public.pcap" 'src host 198.51.100.254 and udp dst port 4500 and udp[4:2] = 9 and udp[8] = 0xff' 2>/dev/null | wc -l)
[ "$ka" -ge 1 ] || fail "no NAT keepalive from A within 22 s"
echo "ike_natt: on the public side $encap ESP-in-UDP packets, no plain ESP, $ka keepalive(s) from behind the NAT"
echo "ike_natt: ok"
