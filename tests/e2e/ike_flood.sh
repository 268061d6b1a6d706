#!/usr/bin/env bash
# A flood of unauthenticated IKE at a router with an established tunnel:
# from a third namespace (32 source addresses), ~10 s of random garbage to
# UDP 500 and 4500, truncated ISAKMP headers (bare and behind the NAT-T
# marker), messages with cookies nobody knows, and main-mode first messages
# (iked's own MM1, captured at tunnel setup, replayed with fresh initiator
# cookies) at a few thousand datagrams per second.  Meanwhile 10 pings/s
# cross the tunnel.  Expected: the tunnel stays up on the same SPIs and the
# same ISAKMP SA, at most 1% of the pings are lost, iked answers `show ipsec
# ike-sa` during the flood, its half-open negotiations stay within their
# bound (256) and its resident memory below 64 MB.
# IKE_FLOOD_SECONDS (default 10) and IKE_FLOOD_RATE (datagrams/s, default 4000).
# shellcheck source=tests/e2e/lib.sh
source "$(dirname "$0")/lib.sh"
# shellcheck source=tests/e2e/manual_pair.sh
source "$(dirname "$0")/manual_pair.sh"
[ -x "$ERX_BIN/iked" ] || fail "no $ERX_BIN/iked (configure with -DERX_IKED=ON)"
command -v tcpdump >/dev/null || fail "tcpdump not installed (scripts/install-deps.sh)"
FLOOD_S=${IKE_FLOOD_SECONDS:-10}
RATE=${IKE_FLOOD_RATE:-4000}
RSS_MAX_KB=$((64 * 1024))
# AddressSanitizer's shadow and quarantine keep freed memory resident
if ldd "$ERX_BIN/iked" 2>/dev/null | grep -q libasan; then RSS_MAX_KB=$((256 * 1024)); fi
HALF_OPEN_MAX=256

pair_up
# the flooder: a third namespace on a link of its own to host1, 32 addresses
NSC=""
netns_new NSC c
link "$NSA" 198.51.100.193/26 "$NSC" 198.51.100.194/26
cdev=$(ip -n "$NSC" -o link show type veth | awk -F': ' '{sub(/@.*/, "", $2); print $2; exit}')
for ((i = 195; i < 225; i++)); do ip -n "$NSC" addr add "198.51.100.$i/26" dev "$cdev"; done
ip -n "$NSC" route add 192.0.2.0/24 via 198.51.100.193
ip netns exec "$NSC" ping -c 1 -W 2 192.0.2.1 >/dev/null || fail "the flooder cannot reach host1"

# iked's own first main-mode message, captured as the tunnel comes up
veth=$(ip -n "$NSB" -o link show type veth | awk -F': ' '{sub(/@.*/, "", $2); print $2; exit}')
capture_start "$NSB" "$TMP/mm1.pcap" 20 -i "$veth" -c 1 \
  'udp dst port 500 and udp[26] == 2 and udp[16:4] == 0 and udp[20:4] == 0 and udp[28:4] == 0'
cap_pid=$CAP_PID

ip -n "$NSA" addr add 203.0.113.1/32 dev lo
ip -n "$NSB" addr add 203.0.113.2/32 dev lo
signaled_tunnel "$RA" sig esp-aes128-hmac-sha 192.0.2.1 192.0.2.2 203.0.113.1 203.0.113.2 198.51.100.1 lab-secret
signaled_tunnel "$RB" sig esp-aes128-hmac-sha 192.0.2.2 192.0.2.1 203.0.113.2 203.0.113.1 198.51.100.2 lab-secret
wait_up "$RA" sig
wait_up "$RB" sig
wait "$cap_pid" || true
# host1 has a key for 24 of the flooder's addresses (a router serving many
# peers): their MM1s open half-open negotiations (16 per address, 256 in
# all); the other 7 addresses have none and are refused at once
psk=(-c 'configure terminal')
for ((i = 194; i < 218; i++)); do psk+=(-c "ipsec key manual pre-share 198.51.100.$i" -c "key flood-$i" -c 'exit'); done
"$ERXSH" --dir "$RA" "${psk[@]}" >"$TMP/psk.out" || fail "pre-shared keys refused: $(grep -B1 '%' "$TMP/psk.out" | head -n 4)"
[ -s "$TMP/mm1.pcap" ] || echo "ike_flood: no MM1 captured; the flooder builds its own"

sa_state() { # DIR FILE: "out in" SPIs of ipsec:sig
  "$ERXSH" --dir "$1" -c 'show ipsec sa' >"$2" 2>&1 || true
  awk '$1 == "ipsec:sig" && $2 == "out" {o = $3} $1 == "ipsec:sig" && $2 == "in" {i = $3; n++}
    END {print o, i, n + 0}' "$2"
}
# the established ISAKMP SA: its cookies
ike_est() { awk '$5 == "yes" {print $8, $9}' "$1"; }
"$ERXSH" --dir "$RA" -c 'show ipsec ike-sa' >"$TMP/ike0.out" || fail "show ipsec ike-sa failed: $(cat "$TMP/ike0.out")"
ike0=$(ike_est "$TMP/ike0.out")
[ -n "$ike0" ] || fail "no established ISAKMP SA on host1: $(cat "$TMP/ike0.out")"
a0=$(sa_state "$RA" "$TMP/sa-a0.out") b0=$(sa_state "$RB" "$TMP/sa-b0.out")
read -r a_out a_in _ <<<"$a0"
read -r b_out b_in _ <<<"$b0"
if [ -z "$a_out" ] || [ "$a_out" != "$b_in" ] || [ "$b_out" != "$a_in" ]; then
  fail "the SAs do not agree before the flood: $(cat "$TMP/sa-a0.out" "$TMP/sa-b0.out")"
fi
iked_pid=$(cat "$RA/run/iked.pid")
grep -q "^Name:.*iked" "/proc/$iked_pid/status" || fail "no iked at pid $iked_pid"
rss() { awk -v k="$1:" '$1 == k {print $2}' "/proc/$iked_pid/status"; }
rss0=$(rss VmRSS)

cat >"$TMP/flood.py" <<'PY'
"""An unauthenticated IKE flood (stdlib only): target duration rate mm1.pcap src..."""
import os, random, select, socket, struct, sys, time

target, duration, rate, pcap = sys.argv[1], float(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
srcs = sys.argv[5:]

def mm1_from_pcap(path):
    """The payload of the first UDP datagram to port 500 in a pcap file."""
    try:
        data = open(path, "rb").read()
    except OSError:
        return None
    if len(data) < 24:
        return None
    magic = struct.unpack("<I", data[:4])[0]
    end = "<" if magic in (0xA1B2C3D4, 0xA1B23C4D) else ">"
    linktype = struct.unpack(end + "I", data[20:24])[0]
    off = 24
    while off + 16 <= len(data):
        incl = struct.unpack(end + "I", data[off + 8:off + 12])[0]
        frame = data[off + 16:off + 16 + incl]
        off += 16 + incl
        l2 = {1: 14, 113: 16, 276: 20}.get(linktype)
        if l2 is None or len(frame) < l2 + 28:
            continue
        ip = frame[l2:]
        if ip[0] >> 4 != 4 or ip[9] != 17:
            continue
        ihl = (ip[0] & 15) * 4
        dport = struct.unpack("!H", ip[ihl + 2:ihl + 4])[0]
        if dport == 500:
            return ip[ihl + 8:]
    return None

def mm1_built():
    """MM1: one proposal, one transform (3DES, SHA, PSK, group 2, 28800 s)."""
    attrs = b"".join(struct.pack("!HH", 0x8000 | t, v) for t, v in ((1, 5), (2, 2), (3, 1), (4, 2), (11, 1)))
    attrs += struct.pack("!HHI", 12, 4, 28800)
    xf = struct.pack("!BBHBBH", 0, 0, 8 + len(attrs), 1, 1, 0) + attrs
    prop = struct.pack("!BBHBBBB", 0, 0, 8 + len(xf), 1, 1, 0, 1) + xf
    sa = struct.pack("!BBHII", 0, 0, 12 + len(prop), 1, 1) + prop
    hdr = os.urandom(8) + bytes(8) + struct.pack("!BBBBII", 1, 0x10, 2, 0, 0, 28 + len(sa))
    return hdr + sa

mm1 = mm1_from_pcap(pcap)
source = "captured"
if not mm1 or len(mm1) < 28 or mm1[18] != 2:
    mm1, source = mm1_built(), "built"

socks = []
for a in srcs:
    for port in (0, 0):
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.bind((a, port))
        s.setblocking(False)
        socks.append(s)

def fresh_mm1():
    return os.urandom(8) + mm1[8:]

def garbage():
    return os.urandom(random.randint(1, 1400))

def truncated():
    h = os.urandom(8) + bytes(8) + struct.pack("!BBBBII", 1, 0x10, random.choice((2, 4, 5, 32)), 0, 0, 28)
    return h[:random.randint(1, 27)]

def unknown_cookies():
    # a well-formed header for a negotiation nobody knows (QM, informational)
    x = random.choice((5, 32))
    return os.urandom(16) + struct.pack("!BBBBII", 8, 0x10, x, 1, random.getrandbits(32), 28 + 40) + os.urandom(40)

def lying_length():
    m = bytearray(fresh_mm1())
    struct.pack_into("!I", m, 24, random.choice((0, 27, 29, len(m) + 1, 0xFFFFFFFF)))
    return bytes(m)

# weights: MM1s first (they cost iked state), then junk of every kind
kinds = [("mm1", 500, fresh_mm1, 50), ("mm1-4500", 4500, lambda: bytes(4) + fresh_mm1(), 5),
         ("garbage", 500, garbage, 10), ("garbage-4500", 4500, garbage, 10),
         ("truncated", 500, truncated, 8), ("truncated-4500", 4500, lambda: bytes(4) + truncated(), 5),
         ("unknown-cookies", 500, unknown_cookies, 7), ("lying-length", 500, lying_length, 5)]
names = [k[0] for k in kinds]
weights = [k[3] for k in kinds]
sent = dict.fromkeys(names, 0)
errors = 0
replies = 0
t0 = time.monotonic()
batch = max(1, rate // 200)
n = 0
while True:
    now = time.monotonic()
    if now - t0 >= duration:
        break
    due = int((now - t0) * rate)
    while n < due:
        name, port, make, _ = kinds[names.index(random.choices(names, weights)[0])]
        try:
            socks[n % len(socks)].sendto(make(), (target, port))
            sent[name] += 1
        except OSError:
            errors += 1
        n += 1
    r, _, _ = select.select(socks, [], [], 0)
    for s in r:
        try:
            while True:
                s.recv(65535)
                replies += 1
        except OSError:
            pass
    time.sleep(1.0 / 200)
elapsed = time.monotonic() - t0
total = sum(sent.values())
print("flood: %d datagrams in %.1f s (%.0f/s) from %d addresses, MM1 %s; %s; %d send errors; %d replies"
      % (total, elapsed, total / elapsed, len(srcs), source,
         ", ".join("%s %d" % (k, v) for k, v in sent.items()), errors, replies))
PY

# ---- the flood, with 10 pings/s across the tunnel ----
PINGS=$((FLOOD_S * 10 + 50))
ip netns exec "$NSA" ping -q -c "$PINGS" -i 0.1 -W 1 -w $((FLOOD_S + 20)) -I 203.0.113.1 203.0.113.2 \
  >"$TMP/ping.out" 2>&1 &
ping_pid=$!
BG_PIDS+=("$ping_pid")
sleep 2
srcs=$(ip -n "$NSC" -4 -o addr show dev "$cdev" | awk '{sub(/\/.*/, "", $4); print $4}')
# shellcheck disable=SC2086 # one argument per source address
ip netns exec "$NSC" timeout $((FLOOD_S + 10)) python3 "$TMP/flood.py" 192.0.2.1 "$FLOOD_S" "$RATE" "$TMP/mm1.pcap" \
  $srcs >"$TMP/flood.out" 2>&1 &
flood_pid=$!
BG_PIDS+=("$flood_pid")
# during the flood: iked answers, its half-open negotiations stay bounded,
# its memory is sampled
max_half=0 max_rss=0 answered=0 slow=0
while kill -0 "$flood_pid" 2>/dev/null; do
  t=$SECONDS
  if timeout 10 "$ERXSH" --dir "$RA" -c 'show ipsec ike-sa' >"$TMP/ike.out" 2>&1 && grep -q '^Remote' "$TMP/ike.out"; then
    answered=$((answered + 1))
    half=$(awk '$5 == "no"' "$TMP/ike.out" | grep -c . || true)
    ((half > max_half)) && max_half=$half
    [ "$(ike_est "$TMP/ike.out")" = "$ike0" ] || fail "the ISAKMP SA changed during the flood: $(grep ' yes ' "$TMP/ike.out")"
  fi
  ((SECONDS - t > 3)) && slow=$((slow + 1))
  r=$(rss VmRSS) || fail "iked (pid $iked_pid) is gone"
  [ -n "$r" ] || fail "iked (pid $iked_pid) is gone: $(tail -n 5 "$RA/log/iked.log")"
  ((r > max_rss)) && max_rss=$r
  sleep 0.5
done
wait "$flood_pid" || fail "the flooder failed: $(cat "$TMP/flood.out")"
cat "$TMP/flood.out"
wait "$ping_pid" || true
hwm=$(rss VmHWM)
lost=$(awk '/packets transmitted/ {print $1 - $4}' "$TMP/ping.out")
sent=$(awk '/packets transmitted/ {print $1}' "$TMP/ping.out")
[ -n "$lost" ] || fail "ping gave no summary: $(cat "$TMP/ping.out")"
echo "ike_flood: $sent pings at 10/s across the tunnel, $lost lost; show ipsec ike-sa answered $answered times ($slow slower than 3 s); at most $max_half half-open negotiations; iked RSS $((rss0 / 1024)) MB before, peak $((hwm / 1024)) MB"

((answered >= 3)) || fail "iked answered show ipsec ike-sa only $answered times during the flood: $(cat "$TMP/ike.out")"
((max_half <= HALF_OPEN_MAX)) || fail "$max_half half-open negotiations (bound $HALF_OPEN_MAX)"
((hwm < RSS_MAX_KB)) || fail "iked's resident memory peaked at $hwm kB"
((lost * 100 <= sent)) || fail "$lost of $sent pings lost during the flood"
rate=$(awk '/^flood:/ {gsub(/[(\/s)]/, "", $7); print $7}' "$TMP/flood.out")
((rate >= RATE / 2)) || fail "the flood reached only $rate datagrams/s (wanted $RATE)"
[ "$(cat "/proc/$iked_pid/comm" 2>/dev/null)" = iked ] || fail "iked died"
has 'Operational state: *up' "$ERXSH" --dir "$RA" -c 'show ipsec tunnel ipsec:sig detail' || fail "the tunnel went down"
a1=$(sa_state "$RA" "$TMP/sa-a1.out") b1=$(sa_state "$RB" "$TMP/sa-b1.out")
if [ "$a1" != "$a0" ] || [ "$b1" != "$b0" ]; then
  fail "the SAs changed: before A $a0, B $b0; after A $a1, B $b1: $(cat "$TMP/sa-a1.out" "$TMP/sa-b1.out")"
fi
"$ERXSH" --dir "$RA" -c 'show ipsec ike-sa' >"$TMP/ike1.out" || fail "show ipsec ike-sa failed after the flood"
[ "$(ike_est "$TMP/ike1.out")" = "$ike0" ] || fail "the ISAKMP SA changed: $(cat "$TMP/ike1.out")"
echo "ike_flood: after the flood the tunnel is up on the same SPIs (A->B $a_out, B->A $b_out) and the same ISAKMP SA"
lc() { grep -c -- "$1" "$RA/log/iked.log" || true; }
echo "ike_flood: iked's log: $(wc -l <"$RA/log/iked.log") lines, $(wc -c <"$RA/log/iked.log") bytes ($(lc 'accepted (responder)') phase-1 responders accepted, $(lc 'refused: no pre-shared key') refused for want of a key, $(lc 'phase 1 (responder) with 198.51.100') failed)"
echo "ike_flood: ok"
