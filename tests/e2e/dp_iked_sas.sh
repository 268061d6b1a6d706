#!/usr/bin/env bash
# Signaled tunnels take their SAs from iked's Clone publication (a stand-in
# publisher here, tests/e2e/sa_publisher.c, until iked negotiates them): an
# SA pair brings the tunnel up and pings cross; a rekey (new SPIs, then the
# old ones deleted) loses nothing; a kilobyte lifetime goes soft at 90% (the
# event iked rekeys on) and hard at 100% (traffic stops); an iked that comes
# back without SAs takes the tunnel down.
# shellcheck source=tests/e2e/lib.sh
source "$(dirname "$0")/lib.sh"
# shellcheck source=tests/e2e/manual_pair.sh
source "$(dirname "$0")/manual_pair.sh"
PUBLISHER="$ERX_BIN/../tests/sa_publisher"
[ -x "$PUBLISHER" ] || fail "no $PUBLISHER (build the tests)"
ENC=00112233445566778899aabbccddeeff AUTH=0102030405060708090a0b0c0d0e0f1011121314
ENC2=ffeeddccbbaa99887766554433221100 AUTH2=1413121110090807060504030201000f0e0d0c0b

pair_up
# this test is iked's stand-in: the real one (when built) must not
# negotiate these tunnels or hold iked's endpoints
for r in "$RA" "$RB"; do "$ROUTER" kill --dir "$r" --service iked >/dev/null 2>&1 || true; done
signaled() { # DIR SRC DST LAN_LOCAL LAN_PEER ADDR
  "$ERXSH" --dir "$1" -c 'configure terminal' -c 'ipsec transform-set ts esp-aes128-hmac-sha' \
    -c "ipsec key manual pre-share $3" -c 'key lab-secret' -c 'exit' \
    -c 'interface tunnel ipsec:sig' -c "ip address $6 255.255.255.252" -c 'tunnel transform-set ts' \
    -c "tunnel source $2" -c "tunnel destination $3" -c "tunnel local-identity address $4" \
    -c "tunnel peer-identity address $5" >"$TMP/sig.out" || fail "signaled tunnel refused: $(grep -B1 '%' "$TMP/sig.out")"
}
signaled "$RA" 192.0.2.1 192.0.2.2 203.0.113.1 203.0.113.2 198.51.100.1
signaled "$RB" 192.0.2.2 192.0.2.1 203.0.113.2 203.0.113.1 198.51.100.2
ip -n "$NSA" addr add 203.0.113.1/32 dev lo
ip -n "$NSB" addr add 203.0.113.2/32 dev lo
has 'waiting for IKE negotiation (iked)' "$ERXSH" --dir "$RA" -c 'show ipsec tunnel ipsec:sig detail' ||
  fail "a signaled tunnel without SAs does not say it waits for iked"

# publisher NAME DIR: a stand-in iked for that router, fed through a fifo
publisher() {
  mkfifo "$TMP/$1.in"
  ERX_RUNDIR="$2/run" "$PUBLISHER" <"$TMP/$1.in" >"$TMP/$1.out" 2>"$TMP/$1.err" &
  BG_PIDS+=($!)
  eval "$1_pid=$!"
  eval "exec {$1_fd}>\"\$TMP/\$1.in\""
}
# say NAME LINE: one command, waits for its answer
say() {
  local fd_var="$1_fd" before
  before=$(grep -c . "$TMP/$1.out" 2>/dev/null || true)
  echo "$2" >&"${!fd_var}"
  for ((i = 0; i < 50; i++)); do
    [ "$(grep -c . "$TMP/$1.out")" -gt "$before" ] && break
    sleep 0.05
  done
  [ "$(tail -n 1 "$TMP/$1.out")" = ok ] || fail "$1: '$2' -> $(tail -n 1 "$TMP/$1.out")"
}
# pair SPI_AB SPI_BA LIFE_KB [ENC AUTH]: one SA each way on both routers,
# inbound ones first (as IKE installs them: nothing is sent on an SA the
# peer cannot receive yet)
pair() {
  local e=${4:-$ENC} a=${5:-$AUTH}
  say pa "set default sig in $2 esp-aes128-hmac-sha $e $a 0 $3"
  say pb "set default sig in $1 esp-aes128-hmac-sha $e $a 0 $3"
  say pa "set default sig out $1 esp-aes128-hmac-sha $e $a 0 $3"
  say pb "set default sig out $2 esp-aes128-hmac-sha $e $a 0 $3"
}
ping_ab() { ip netns exec "$NSA" ping -q -c "$1" -i 0.05 -W 1 -s "${2:-56}" -I 203.0.113.1 203.0.113.2 >"$TMP/ping.out" 2>&1; }
lost() { awk '/packets transmitted/ {print $1 - $4}' "$TMP/ping.out"; }

publisher pa "$RA"
publisher pb "$RB"
pair 5000 6000 0
wait_up "$RA" sig
wait_up "$RB" sig
ping_ab 5 || fail "no ping through a tunnel with iked's SAs"
echo "dp_iked_sas: iked's SA pair brings a signaled tunnel up"

# rekey under traffic: new SPIs published, then the old ones deleted
ip netns exec "$NSA" ping -q -c 100 -i 0.02 -W 1 -I 203.0.113.1 203.0.113.2 >"$TMP/ping.out" 2>&1 &
pid=$!
sleep 0.5
pair 5001 6001 0 "$ENC2" "$AUTH2"
sleep 0.5
for d in pa:out:5000 pa:in:6000 pb:in:5000 pb:out:6000; do
  IFS=: read -r p dir spi <<<"$d"
  say "$p" "del default sig $dir $spi"
done
wait "$pid" || true
[ "$(lost)" -eq 0 ] || fail "the rekey lost $(lost) of 100 pings"
"$ERXSH" --dir "$RA" -c 'show ipsec sa' >"$TMP/sa.out"
grep -Eq '^ipsec:sig +out +5001 ' "$TMP/sa.out" && grep -Eq '^ipsec:sig +in +6001 ' "$TMP/sa.out" ||
  fail "the new SAs are not installed: $(cat "$TMP/sa.out")"
grep -Eq ' (5000|6000) ' "$TMP/sa.out" && fail "the deleted SAs are still installed: $(cat "$TMP/sa.out")"
echo "dp_iked_sas: a rekey under 50 pings/s lost none"

# a kilobyte lifetime: 64 KB; ~1 KB pings go soft at 90% and stop at 100%
pair 5002 6002 64
for d in pa:out:5001 pa:in:6001 pb:in:5001 pb:out:6001; do
  IFS=: read -r p dir spi <<<"$d"
  say "$p" "del default sig $dir $spi"
done
ping_ab 50 972 || true # 1000-byte inner packets, 50 KB: below 90%
"$WATCH" --dir "$RA" --service datapathd --dump --timeout 5 >"$TMP/dp.dump" || fail "erx-watch could not read datapathd"
grep -q '^ITEM sa/default/sig/out/5002 .*SA_SOFT_EXPIRED' "$TMP/dp.dump" && fail "soft expiry before 90%"
ping_ab 10 972 || true # 60 KB: soft
for ((i = 0; i < 20; i++)); do
  "$WATCH" --dir "$RA" --service datapathd --dump --timeout 5 >"$TMP/dp.dump" || true
  grep -q '^ITEM sa/default/sig/out/5002 .*SA_SOFT_EXPIRED' "$TMP/dp.dump" && break
  sleep 0.25
done
grep -q '^ITEM sa/default/sig/out/5002 .*SA_SOFT_EXPIRED' "$TMP/dp.dump" ||
  fail "no soft expiry published at 90% of 64 KB: $(grep 'sa/default/sig' "$TMP/dp.dump")"
ping_ab 20 972 || true # beyond 64 KB: hard, traffic stops
ping_ab 3 972 && fail "pings crossed an SA past its hard kilobyte lifetime"
has '5002 .* expired' "$ERXSH" --dir "$RA" -c 'show ipsec sa' || fail "show ipsec sa does not say the SA expired"
echo "dp_iked_sas: a 64 KB lifetime went soft (published) at 90% and hard at 100%"

# ESP in UDP (RFC 3948, what NAT traversal and strongSwan's kernel-libipsec
# need): iked owns UDP 4500 for IKE, so each namespace gets a socket bound
# there (a stand-in for iked's), and datapathd's filtered raw UDP socket
# takes the ESP
for ns in "$NSA" "$NSB"; do
  ip netns exec "$ns" python3 -c 'import socket, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("0.0.0.0", 4500)); time.sleep(60)' &
  BG_PIDS+=($!)
done
sleep 0.3
say pa "set default sig in 6004 esp-aes128-hmac-sha $ENC $AUTH 0 0 4500 4500"
say pb "set default sig in 5004 esp-aes128-hmac-sha $ENC $AUTH 0 0 4500 4500"
say pa "set default sig out 5004 esp-aes128-hmac-sha $ENC $AUTH 0 0 4500 4500"
say pb "set default sig out 6004 esp-aes128-hmac-sha $ENC $AUTH 0 0 4500 4500"
for d in pa:out:5002 pa:in:6002 pb:in:5002 pb:out:6002; do
  IFS=: read -r p dir spi <<<"$d"
  say "$p" "del default sig $dir $spi"
done
ip netns exec "$NSB" timeout 10 tshark -i any -a duration:4 -f 'udp port 4500 or esp' -T fields -e ip.proto \
  >"$TMP/wire.out" 2>/dev/null &
tsk=$!
sleep 1.5
ping_ab 5 || fail "no ping through ESP in UDP: $(tail -n 4 "$RA/log/datapathd.log"; "$ERXSH" --dir "$RB" -c "show ipsec tunnel ipsec:sig detail" -c "show ipsec sa" | tail -n 8)"
wait "$tsk" || true
udp=$(grep -c '^17$' "$TMP/wire.out" || true) esp=$(grep -c '^50$' "$TMP/wire.out" || true)
[ "$udp" -ge 10 ] && [ "$esp" -eq 0 ] || fail "expected ESP in UDP only on the wire: $udp UDP, $esp ESP packets"
has '^ipsec:sig  *in  *6004 .* 5 ' "$ERXSH" --dir "$RA" -c 'show ipsec sa' || fail "the UDP-encapsulated SA did not count 5 packets: $("$ERXSH" --dir "$RA" -c 'show ipsec sa')"
echo "dp_iked_sas: ESP in UDP 4500 carries the pings ($udp UDP-encapsulated packets, no plain ESP)"

# iked comes back with no SAs: the tunnel goes down
# (by pid: its fifo's write end is also held by the processes started since)
kill "$pa_pid"
wait "$pa_pid" 2>/dev/null || true
eval "exec ${pa_fd}>&-"
rm -f "$TMP/pa.in" "$TMP/pa.out"
publisher pa "$RA"
for ((i = 0; i < 100; i++)); do
  has 'Operational state: *down' "$ERXSH" --dir "$RA" -c 'show ipsec tunnel ipsec:sig detail' && break
  sleep 0.1
done
has 'Operational state: *down' "$ERXSH" --dir "$RA" -c 'show ipsec tunnel ipsec:sig detail' ||
  fail "the tunnel stayed up after iked came back without SAs: $(cat "$TMP/pa.err"; grep -E "ike:|iked" "$RA/log/datapathd.log" | tail -n 12)"
echo "dp_iked_sas: ok"
