#!/usr/bin/env bash
# An outside witness for the data path: two erx-ipsec routers carry pings
# both ways over manual ESP (AES-CBC + HMAC-SHA1, AES-GCM, 3DES + HMAC-SHA1)
# and AH tunnels while dumpcap records host2's side of the link; Wireshark,
# given the very keys of manual_pair.sh, must then open every ESP SA (inner
# ICMP echo request and reply between the tunnel's protected addresses, ICV
# good), find the ICMP inside every AH packet, and flag no frame as malformed
# or as an expert error.  A run with one wrong key must fail those checks,
# so the test cannot pass without real decryption.
# DP_TSHARK_KEEP=FILE keeps the capture for a look with Wireshark.
# shellcheck source=tests/e2e/lib.sh
source "$(dirname "$0")/lib.sh"
# shellcheck source=tests/e2e/manual_pair.sh
source "$(dirname "$0")/manual_pair.sh"

for p in tshark dumpcap; do
  command -v "$p" >/dev/null || fail "$p not installed (scripts/install-deps.sh installs tshark)"
done

pair_up
# name transform, SPIs, protected (LAN) and tunnel addresses of host1 and host2
TUNNELS=(
  "esp  esp-aes128-hmac-sha 1001 2001 203.0.113.1 203.0.113.2 198.51.100.1  198.51.100.2"
  "gcm  esp-aes128-gcm      1002 2002 203.0.113.3 203.0.113.4 198.51.100.5  198.51.100.6"
  "ah   ah-hmac-sha         1003 2003 203.0.113.5 203.0.113.6 198.51.100.9  198.51.100.10"
  "tdes esp-3des-hmac-sha   1004 2004 203.0.113.7 203.0.113.8 198.51.100.13 198.51.100.14"
)
for spec in "${TUNNELS[@]}"; do
  read -r t xf sab sba la lb aa ab <<<"$spec"
  pair_tunnel "$t" "$xf" "$sab" "$sba" "$la" "$lb" "$aa" "$ab" 1400
done
for spec in "${TUNNELS[@]}"; do
  read -r t _ <<<"$spec"
  wait_up "$RA" "$t"
  wait_up "$RB" "$t"
done

# capture on host2's end of the link, bounded by time and by packet count
veth=$(ip -n "$NSB" -o link show type veth | awk -F': ' '{sub(/@.*/, "", $2); print $2; exit}')
[ -n "$veth" ] || fail "no veth in $NSB"
cap="$TMP/dp.pcapng"
: >"$TMP/dumpcap.err"
ip netns exec "$NSB" dumpcap -q -i "$veth" -a duration:60 -c 2000 -w "$cap" 2>"$TMP/dumpcap.err" &
cap_pid=$!
BG_PIDS+=("$cap_pid")
for ((i = 0; i < 100; i++)); do
  grep -q 'Capturing on' "$TMP/dumpcap.err" && break
  kill -0 "$cap_pid" 2>/dev/null || fail "dumpcap exited: $(cat "$TMP/dumpcap.err")"
  sleep 0.1
done
grep -q 'Capturing on' "$TMP/dumpcap.err" || fail "dumpcap did not start: $(cat "$TMP/dumpcap.err")"

PINGS=3
for spec in "${TUNNELS[@]}"; do
  read -r t _ _ _ la lb _ <<<"$spec"
  ip netns exec "$NSA" ping -q -c "$PINGS" -i 0.05 -W 1 -I "$la" "$lb" >/dev/null || fail "ping $la -> $lb through $t failed"
  ip netns exec "$NSB" ping -q -c "$PINGS" -i 0.05 -W 1 -I "$lb" "$la" >/dev/null || fail "ping $lb -> $la through $t failed"
done
sleep 0.3 # the last replies reach the capture
kill -INT "$cap_pid"
wait "$cap_pid" || fail "dumpcap failed: $(cat "$TMP/dumpcap.err")"
[ -s "$cap" ] || fail "empty capture"
[ -z "${DP_TSHARK_KEEP:-}" ] || cp "$cap" "$DP_TSHARK_KEEP"

# Wireshark's ESP SA table (UAT esp_sa, Wireshark 3.x/4.0 field order):
# protocol, source, destination, SPI, encryption, key, authentication, key
ws_enc() {
  case $1 in
    esp-aes128-hmac-sha) echo 'AES-CBC [RFC3602]' ;;
    esp-aes128-gcm) echo 'AES-GCM with 16 octet ICV [RFC4106]' ;;
    esp-3des-hmac-sha) echo 'TripleDES-CBC [RFC2451]' ;;
    *) fail "ws_enc: $1" ;;
  esac
}
ws_auth() {
  case $1 in
    esp-aes128-gcm) echo 'NULL' ;;
    *-hmac-sha) echo 'HMAC-SHA-1-96 [RFC2404]' ;;
    *) fail "ws_auth: $1" ;;
  esac
}
# sa_uat XF SPI SRC DST KEYDIR [wrong]: one esp_sa record with the keys_for
# words; "wrong" flips the low bit of the encryption key's first byte
sa_uat() {
  local xf=$1 spi=$2 src=$3 dst=$4 enc auth
  read -r enc auth <<<"$(keys_for "$xf" "$5")"
  [ "$xf" = esp-aes128-gcm ] && auth=""
  [ "${6:-}" = wrong ] && enc=$(printf '%02x' $((16#${enc:0:2} ^ 1)))${enc:2}
  printf 'uat:esp_sa:"IPv4","%s","%s","0x%08x","%s","0x%s","%s","%s"' "$src" "$dst" "$spi" \
    "$(ws_enc "$xf")" "$enc" "$(ws_auth "$xf")" "${auth:+0x$auth}"
}
# esp_opts [WRONG_SPI]: tshark's options in WS_OPTS, every ESP SA of TUNNELS
# in the SA table, WRONG_SPI's with a wrong key
esp_opts() {
  local spec xf sab sba o spi src dst kd
  WS_OPTS=(-o esp.enable_encryption_decode:TRUE -o esp.enable_authentication_check:TRUE
    -o esp.do_esp_sequence_analysis:TRUE -o ip.check_checksum:TRUE)
  for spec in "${TUNNELS[@]}"; do
    read -r _ xf sab sba _ <<<"$spec"
    [[ $xf == esp-* ]] || continue
    for o in "$sab 192.0.2.1 192.0.2.2 ab" "$sba 192.0.2.2 192.0.2.1 ba"; do
      read -r spi src dst kd <<<"$o"
      WS_OPTS+=(-o "$(sa_uat "$xf" "$spi" "$src" "$dst" "$kd" "$([ "${1:-}" = "$spi" ] && echo wrong)")")
    done
  done
  # one pass over the capture for check_all; ip.src/ip.dst, last
  # occurrence: the inner header once ESP is opened
  ws -T fields -E occurrence=l -e frame.number -e esp.spi -e ah.spi -e ip.src -e ip.dst \
    -e icmp.type -e esp.icv_good >"$TMP/fields"
}
ws() { tshark -n -r "$cap" "${WS_OPTS[@]}" "$@" 2>"$TMP/tshark.err" || fail "tshark: $(cat "$TMP/tshark.err")"; }

# check_all: from esp_opts's pass over the capture, per SA: every packet
# carries ICMP between the tunnel's protected addresses, echo requests and
# replies both present (PINGS of each), and for ESP the ICV checks out.
# Prints what is wrong, else nothing.
check_all() {
  local spec t xf sab sba la lb proto o spi src dst
  for spec in "${TUNNELS[@]}"; do
    read -r t xf sab sba la lb _ <<<"$spec"
    proto=esp
    [[ $xf == ah-* ]] && proto=ah
    for o in "$sab $la $lb" "$sba $lb $la"; do
      read -r spi src dst <<<"$o"
      awk -F '\t' -v p="$proto" -v spi="$(printf '0x%08x' "$spi")" -v d="$spi" -v s="$src" -v t="$dst" -v n="$PINGS" '
        (p == "esp" ? $2 : $3) != spi { next }
        { pkts++ }
        $4 != s || $5 != t || ($6 != 0 && $6 != 8) {
          if (bad++ < 3) what = what sprintf(" frame %s: inner %s -> %s icmp type \"%s\";", $1, $4, $5, $6)
          next
        }
        p == "esp" && $7 != 1 { if (icv++ < 3) frames = frames " " $1 }
        $6 == 8 { req++ } $6 == 0 { rep++ }
        END {
          if (!pkts) { printf "no %s packet with spi %s in the capture\n", p, d; exit }
          if (bad) printf "%s spi %s: %d of %d packets without ICMP %s -> %s inside:%s\n", p, d, bad, pkts, s, t, what
          if (icv) printf "%s spi %s: %d packets whose ICV is not good (frames%s)\n", p, d, icv, frames
          if (req < n || rep < n) printf "%s spi %s: %d echo requests and %d replies inside, expected %d of each\n", p, d, req, rep, n
        }' "$TMP/fields"
    done
  done
}

# Wireshark does not check AH's ICV: recompute HMAC-SHA1-96 over every AH
# packet of the capture (RFC 4302 3.3.3.1: TOS, flags and fragment offset,
# TTL and checksum zeroed, the ICV field zeroed) with the lab keys
ah_icv_check() { # SPI=KEYHEX ... < pcap
  python3 -c '
import hashlib, hmac, struct, sys
keys = {int(a.split("=")[0]): bytes.fromhex(a.split("=")[1]) for a in sys.argv[1:]}
d = sys.stdin.buffer.read()
link = struct.unpack("<I", d[20:24])[0]
off, n, bad = 24, 0, []
while off + 16 <= len(d):
    incl = struct.unpack("<I", d[off + 8:off + 12])[0]
    pkt, off = d[off + 16:off + 16 + incl], off + 16 + incl
    n += 1
    ip = pkt[14:] if link == 1 else pkt
    if len(ip) < 20 or ip[0] >> 4 != 4 or ip[9] != 51:
        continue
    ihl = (ip[0] & 15) * 4
    ip = ip[:struct.unpack("!H", ip[2:4])[0]]
    ah = ip[ihl:]
    alen = (ah[1] + 2) * 4
    spi, seq = struct.unpack("!II", ah[4:12])
    h = bytearray(ip[:ihl])
    for i in (1, 6, 7, 8, 10, 11):
        h[i] = 0
    msg = bytes(h) + ah[:12] + bytes(alen - 12) + ip[ihl + alen:]
    if spi not in keys or hmac.new(keys[spi], msg, hashlib.sha1).digest()[:12] != ah[12:alen]:
        bad.append("AH packet %d (spi %d seq %d, IP id 0x%04x)" % (n, spi, seq, struct.unpack("!H", ip[4:6])[0]))
print("; ".join(bad))
' "$@"
}
for spec in "${TUNNELS[@]}"; do
  read -r t xf sab sba _ <<<"$spec"
  [ "$xf" = ah-hmac-sha ] || continue
  tshark -n -r "$cap" -Y ah -F pcap -w "$TMP/ah.pcap" 2>/dev/null || fail "tshark could not extract the AH packets"
  bad=$(ah_icv_check "$sab=$(keys_for "$xf" ab)" "$sba=$(keys_for "$xf" ba)" <"$TMP/ah.pcap")
  [ -z "$bad" ] || fail "AH packets on the wire whose ICV does not verify with the lab keys: $bad"
done
echo "dp_tshark: every AH packet's ICV verifies with the lab keys"

esp_opts
problems=$(check_all)
[ -z "$problems" ] || fail "Wireshark does not see the expected traffic: $problems"
echo "dp_tshark: Wireshark $(tshark -v 2>/dev/null | awk 'NR == 1 {print $3}') opens every ESP SA (CBC+HMAC, GCM, 3DES+HMAC) with the lab keys and finds ICMP in AH, both ways"

bad=$(ws -Y '_ws.malformed || _ws.expert.severity == error')
[ -z "$bad" ] || fail "malformed or erroneous frames: $(echo "$bad" | head -n 5)"
bad=$(ws -Y 'esp.sequence-analysis.wrong-sequence-number')
[ -z "$bad" ] || fail "gaps in the ESP sequence numbers: $(echo "$bad" | head -n 5)"
# nothing between the protected addresses crosses the link in clear
bad=$(ws -Y 'icmp && !esp && !ah')
[ -z "$bad" ] || fail "ICMP crossed the link outside ESP/AH: $(echo "$bad" | head -n 5)"
echo "dp_tshark: no malformed frame, no expert error, no sequence gap, nothing in clear"

# the control: one wrong key (the GCM SA A->B, then the CBC+HMAC SA B->A)
# must make those checks fail, or they prove nothing
for wrong in 1002 2001; do
  esp_opts "$wrong"
  problems=$(check_all)
  [[ $problems == *"spi $wrong"* ]] || fail "with a wrong key for spi $wrong the checks still pass"
  echo "dp_tshark: control, wrong key for spi $wrong: ${problems%%$'\n'*}"
done
echo "dp_tshark: with a wrong key the same checks fail"
echo "dp_tshark: ok"
