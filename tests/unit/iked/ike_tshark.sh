#!/usr/bin/env bash
# tshark (Wireshark's dissector, an independent reading of RFC 2408/2409)
# dissects every message our main-mode and quick-mode engines build: all 9
# frames are ISAKMP, the first 4 in clear with the SA, KE, nonce, vendor ID
# and NAT-D payloads it expects, and none is malformed or has an expert error.
set -euo pipefail
: "${ERX_BIN:?}"
tool="$ERX_BIN/../tests/ike_pcap"
tmp=$(mktemp -d /tmp/erx-iketshark-XXXXXX)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
command -v tshark >/dev/null || fail "tshark is not installed (scripts/install-deps.sh)"
"$tool" "$tmp/ike.pcap" >/dev/null || fail "the engines did not complete"
n=$(tshark -r "$tmp/ike.pcap" -Y isakmp -T fields -e frame.number 2>/dev/null | wc -l)
[ "$n" -eq 9 ] || fail "tshark sees $n ISAKMP frames, expected 9 (6 main mode, 3 quick mode)"
bad=$(tshark -r "$tmp/ike.pcap" -Y '_ws.malformed || _ws.expert.severity == error' -T fields -e frame.number 2>/dev/null)
[ -z "$bad" ] || fail "malformed or erroneous frames: $bad ($(tshark -r "$tmp/ike.pcap" -V 2>/dev/null | grep -i -m 3 'malformed\|expert'))"
# what main mode's clear-text messages carry, by tshark's reading
tshark -r "$tmp/ike.pcap" -Y 'frame.number <= 4' -T fields -e isakmp.exchangetype -e isakmp.typepayload \
  >"$tmp/p.txt" 2>/dev/null || fail "tshark could not list the payloads"
# (tshark lists the proposal (2) and transform (3) inside the SA (1))
grep -q '^2	1,2,3,13,13$' "$tmp/p.txt" || fail "MM1 is not identity protection with SA and 2 vendor IDs: $(head -n 1 "$tmp/p.txt")"
sed -n 3p "$tmp/p.txt" | grep -q '4,10,20,20' || fail "MM3 lacks KE, nonce and two NAT-D: $(sed -n 3p "$tmp/p.txt")"
echo "ike_tshark: tshark dissects all 9 main- and quick-mode messages, none malformed"
