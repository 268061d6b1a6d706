# shellcheck shell=bash disable=SC2034 # sourced by the e2e tests and bench/
# Two erx-ipsec routers, host1 and host2, in namespaces of their own joined
# by a veth link (192.0.2.1 <-> 192.0.2.2), each with a protected "LAN"
# address on its loopback, and manual tunnels between them configured only
# through erxsh.  Needs tests/e2e/lib.sh sourced first.

# keys: lab values, one per direction (A->B is B's inbound)
KEY_ENC_AB=00112233445566778899aabbccddeeff
KEY_AUTH_AB=0102030405060708090a0b0c0d0e0f1011121314
KEY_ENC_BA=ffeeddccbbaa99887766554433221100
KEY_AUTH_BA=1413121110090807060504030201000f0e0d0c0b

# pair_up: namespaces, link and routers; sets NSA NSB RA RB
pair_up() {
  NSA="" NSB=""
  netns_new NSA a
  netns_new NSB b
  link "$NSA" 192.0.2.1/24 "$NSB" 192.0.2.2/24
  ip netns exec "$NSA" ping -c 1 -W 2 192.0.2.2 >/dev/null || fail "no connectivity between the namespaces"
  RA=$(start_router host1 --netns "$NSA")
  RB=$(start_router host2 --netns "$NSB")
}

# keys_for XF DIR: the hex key words of session-key-DIR for transform XF on
# host1 (DIR in|out); host2 uses the other direction's keys.
keys_for() {
  local xf=$1 enc auth
  if [ "$2" = ab ]; then enc=$KEY_ENC_AB auth=$KEY_AUTH_AB; else enc=$KEY_ENC_BA auth=$KEY_AUTH_BA; fi
  case $xf in
    ah-hmac-sha) echo "$auth" ;;
    ah-hmac-md5) echo "${auth:0:32}" ;;
    esp-aes128-hmac-sha) echo "$enc $auth" ;;
    esp-aes128-gcm) echo "${enc}01020304" ;;
    esp-3des-hmac-sha) echo "${enc}${enc:0:16} $auth" ;;
    *)
      # any other transform: key lengths from its name (reference §10)
      local e="" a="" el=0 al=0
      case $xf in
        *aes256-gcm) el=36 ;; *aes128-gcm) el=20 ;; *aes256*) el=32 ;; *aes128*) el=16 ;;
        *3des*) el=24 ;; esp-des*) el=8 ;; esp-null* | ah-*) el=0 ;;
        *) fail "keys_for: unknown transform $xf" ;;
      esac
      case $xf in *-gcm | esp-des | esp-3des) al=0 ;; *sha256) al=32 ;; *-sha) al=20 ;; *md5) al=16 ;; esac
      e="$enc$auth$enc$auth"
      a="$auth$enc$auth"
      e=${e:0:$((2 * el))} a=${a:0:$((2 * al))}
      echo "$e${e:+${a:+ }}$a"
      ;;
  esac
}

# manual_tunnel DIR NAME XF SPI_OUT SPI_IN SRC DST LAN_LOCAL LAN_PEER ADDR MTU OUT_DIR
# configures one manual tunnel on the router in DIR.  OUT_DIR is ab when
# this router is host1 (its outbound keys are the A->B keys), ba otherwise.
manual_tunnel() {
  local dir=$1 name=$2 xf=$3 spi_out=$4 spi_in=$5 src=$6 dst=$7 lan_l=$8 lan_p=$9 addr=${10} mtu=${11} od=${12}
  local id_dir=ba
  [ "$od" = ab ] || id_dir=ab
  "$ERXSH" --dir "$dir" -c 'configure terminal' \
    -c "ipsec transform-set ts-$name $xf" \
    -c "interface tunnel ipsec:$name" \
    -c "ip address $addr 255.255.255.252" \
    -c "tunnel transform-set ts-$name" \
    -c 'tunnel signaling manual' \
    -c "tunnel source $src" \
    -c "tunnel destination $dst" \
    -c "tunnel local-identity address $lan_l" \
    -c "tunnel peer-identity address $lan_p" \
    -c "tunnel mtu $mtu" \
    -c "tunnel session-key-outbound $xf $spi_out $(keys_for "$xf" "$od")" \
    -c "tunnel session-key-inbound $xf $spi_in $(keys_for "$xf" "$id_dir")" >"$TMP/cfg-$name.out" ||
    fail "router $dir refused tunnel $name: $(grep -B1 '%' "$TMP/cfg-$name.out" | head -n 4)"
}

# pair_tunnel NAME XF SPI_AB SPI_BA LAN_A LAN_B ADDR_A ADDR_B MTU: the same
# tunnel on both routers, LAN addresses put on each router's loopback.
pair_tunnel() {
  local name=$1 xf=$2 spi_ab=$3 spi_ba=$4 lan_a=$5 lan_b=$6 addr_a=$7 addr_b=$8 mtu=$9
  ip -n "$NSA" addr add "$lan_a/32" dev lo 2>/dev/null || true
  ip -n "$NSB" addr add "$lan_b/32" dev lo 2>/dev/null || true
  manual_tunnel "$RA" "$name" "$xf" "$spi_ab" "$spi_ba" 192.0.2.1 192.0.2.2 "$lan_a" "$lan_b" "$addr_a" "$mtu" ab
  manual_tunnel "$RB" "$name" "$xf" "$spi_ba" "$spi_ab" 192.0.2.2 192.0.2.1 "$lan_b" "$lan_a" "$addr_b" "$mtu" ba
}

# wait_up DIR NAME: until the tunnel is up on that router (10 s)
wait_up() {
  local i
  for ((i = 0; i < 100; i++)); do
    has 'Operational state: *up' "$ERXSH" --dir "$1" -c "show ipsec tunnel ipsec:$2 detail" && return 0
    sleep 0.1
  done
  "$ERXSH" --dir "$1" -c "show ipsec tunnel ipsec:$2 detail" >&2 || true
  fail "tunnel $2 on $1 did not come up"
}

# signaled_tunnel DIR NAME TRANSFORM SRC DST LOCAL_ID PEER_ID ADDR KEY [CLI LINE...]:
# a signaled tunnel ipsec:NAME (its own transform set ts-NAME, a pre-shared
# key for DST, address identities), configured through erxsh only; extra
# lines go to the interface's mode
signaled_tunnel() {
  local dir=$1 name=$2 xf=$3 src=$4 dst=$5 lid=$6 pid=$7 addr=$8 key=$9 extra=() l
  shift 9
  for l in "$@"; do extra+=(-c "$l"); done
  "$ERXSH" --dir "$dir" -c 'configure terminal' -c "ipsec transform-set ts-$name $xf" \
    -c "ipsec key manual pre-share $dst" -c "key $key" -c 'exit' \
    -c "interface tunnel ipsec:$name" -c "ip address $addr 255.255.255.252" -c "tunnel transform-set ts-$name" \
    -c "tunnel source $src" -c "tunnel destination $dst" -c "tunnel local-identity address $lid" \
    -c "tunnel peer-identity address $pid" "${extra[@]}" >"$TMP/cfg-$name.out" 2>&1 ||
    fail "signaled tunnel $name refused: $(grep -B1 '%' "$TMP/cfg-$name.out")"
}

# capture_start NS FILE SECONDS TCPDUMP_ARGS...: tcpdump in NS into FILE for
# at most SECONDS, returning once it listens; its pid in CAP_PID
capture_start() {
  local ns=$1 file=$2 secs=$3
  shift 3
  ip netns exec "$ns" timeout "$secs" tcpdump -n -U -w "$file" "$@" 2>"$file.err" &
  CAP_PID=$!
  BG_PIDS+=("$CAP_PID")
  for ((i = 0; i < 100; i++)); do
    grep -q 'listening on' "$file.err" && return 0
    kill -0 "$CAP_PID" 2>/dev/null || fail "tcpdump exited: $(cat "$file.err")"
    sleep 0.1
  done
  fail "tcpdump did not start: $(cat "$file.err")"
}
