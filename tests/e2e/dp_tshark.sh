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
# sa_uat XF SPI SRC DST KEYDIR: one esp_sa record with the keys_for words
sa_uat() {
  local xf=$1 spi=$2 src=$3 dst=$4 enc auth
  read -r enc auth <<<"$(keys_for "$xf" "$5")"
  [ "$xf" = esp-aes128-gcm ] && auth=""
  printf 'uat:esp_sa:"IPv4","%s","%s","0x%08x","%s","0x%s","%s","%s"' "$src" "$dst" "$spi" \
    "$(ws_enc "$xf")" "$enc" "$(ws_auth "$xf")" "${auth:+0x$auth}"
}
esp_opts() { # [WRONG_SPI]: the options for tshark; WRONG_SPI gets a corrupted key
  local spec t xf sab sba o
  WS_OPTS=(-o esp.enable_encryption_decode:TRUE -o esp.enable_authentication_check:TRUE
    -o esp.do_esp_sequence_analysis:TRUE -o ip.check_checksum:TRUE)
  for spec in "${TUNNELS[@]}"; do
    read -r t xf sab sba _ <<<"$spec"
    [[ $xf == esp-* ]] || continue
    for o in "$sab 192.0.2.1 192.0.2.2 ab" "$sba 192.0.2.2 192.0.2.1 ba"; do
      read -r spi src dst kd <<<"$o"
      rec=$(sa_uat "$xf" "$spi" "$src" "$dst" "$kd")
      # a wrong key: the first key byte's low bit flipped
      if [ "${1:-}" = "$spi" ]; then
        local k=${rec#*\",\"0x} # from the encryption key on
        rec="${rec%%\",\"0x"$k"}\",\"0x$(printf '%02x' $((16#${k:0:2} ^ 1)))${k:2}"
      fi
      WS_OPTS+=(-o "$rec")
    done
  done
}
ws() { tshark -n -r "$cap" "${WS_OPTS[@]}" "$@" 2>"$TMP/tshark.err" || fail "tshark: $(cat "$TMP/tshark.err")"; }

# check_sa PROTO SPI LAN_SRC LAN_DST: every packet of that SA carries ICMP
# between the protected addresses, echo requests and replies both present
# (PINGS of each), and for ESP the ICV checks out.  Prints why not, else nothing.
check_sa() {
  local proto=$1 spi=$2 src=$3 dst=$4 n bad req rep
  n=$(ws -Y "$proto.spi == $spi" | wc -l)
  [ "$n" -gt 0 ] || { echo "no $proto packet with spi $spi in the capture"; return; }
  # ip.src/ip.dst last occurrence: the inner header
  bad=$(ws -Y "$proto.spi == $spi" -T fields -E occurrence=l -e frame.number -e ip.src -e ip.dst -e icmp.type |
    awk -v s="$src" -v d="$dst" '$2 != s || $3 != d || ($4 != 0 && $4 != 8)' | head -n 3)
  [ -z "$bad" ] || { echo "$proto spi $spi: packets without ICMP $src -> $dst inside (frame, inner src, dst, icmp type): $bad"; return; }
  req=$(ws -Y "$proto.spi == $spi && icmp.type == 8" | wc -l)
  rep=$(ws -Y "$proto.spi == $spi && icmp.type == 0" | wc -l)
  [ "$req" -ge "$PINGS" ] && [ "$rep" -ge "$PINGS" ] ||
    { echo "$proto spi $spi: $req echo requests and $rep replies inside, expected $PINGS of each"; return; }
  if [ "$proto" = esp ]; then
    bad=$(ws -Y "esp.spi == $spi && !(esp.icv_good == 1)" | head -n 3)
    [ -z "$bad" ] || echo "esp spi $spi: ICV not verified good: $bad"
  fi
}

check_all() {
  local spec t xf sab sba la lb proto
  for spec in "${TUNNELS[@]}"; do
    read -r t xf sab sba la lb _ <<<"$spec"
    proto=esp
    [[ $xf == ah-* ]] && proto=ah
    check_sa "$proto" "$sab" "$la" "$lb"
    check_sa "$proto" "$sba" "$lb" "$la"
  done
}

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
  echo "dp_tshark: control, wrong key for spi $wrong: ${problems:0:200}"
done
echo "dp_tshark: with a wrong key the same checks fail"
echo "dp_tshark: ok"
