#!/usr/bin/env bash
# Interop: erx-ipsec's iked against Libreswan 4.10's pluto (IKEv1, main
# mode, pre-shared keys) in network namespaces of their own.
#
# pluto cannot install SAs on this kernel (no ESP), so it runs with
# xfrm_shim.c preloaded: the shim answers its XFRM "add/update/delete SA"
# requests as a successful kernel would and logs them (the SPIs and
# algorithms pluto installed).  Its data path does not exist here, so this
# test is about IKE: phase 1 and phase 2 with either side initiating, the
# SPIs both sides installed, the keys (an ESP packet sealed with pluto's
# outbound keys is opened by our datapathd, and our ESP opens with pluto's
# inbound keys), and the failures.  ERX_INTEROP_ONLY="seed-* p1-*" runs some
# scenarios only; ERX_INTEROP_KEEP=DIR keeps the logs and captures.
#
# Debian's Libreswan conflicts with strongSwan's packages: it is unpacked
# beside them (apt-get download libreswan; dpkg -x) into
# ERX_LIBRESWAN_ROOT (default /opt/erx-interop/libreswan, where
# scripts/install-deps.sh is to put it); when absent the test unpacks it
# into the build tree itself, and skips (77) only if that is impossible.
#
# Debian's pluto 4.10 has no MODP1024 (DH group 2): the seed's phase-1
# group cannot be used with it (scenario p1-dh2), so the "seed" scenarios
# use 3DES/SHA-1 with group 5 in phase 1 (and otherwise the seed's tunnel:
# subnet identities, PFS group 5, lifetime seconds 48000 kilobytes 249000).
# shellcheck source=tests/e2e/interop_lib.sh
source "$(dirname "$0")/interop_lib.sh"

[ -x "$ERX_BIN/iked" ] || fail "no $ERX_BIN/iked (configure with -DERX_IKED=ON)"

# ---- Libreswan, unpacked beside strongSwan ----

lsw_root() {
  local r
  for r in "${ERX_LIBRESWAN_ROOT:-}" /opt/erx-interop/libreswan "$ERX_BIN/../interop/libreswan"; do
    [ -n "$r" ] && [ -x "$r/usr/libexec/ipsec/pluto" ] && { echo "$r"; return 0; }
  done
  # not there: unpack Debian's package into the build tree
  r="$ERX_BIN/../interop/libreswan"
  command -v apt-get >/dev/null && command -v dpkg >/dev/null || return 1
  local dl
  dl=$(mktemp -d "$TMP/lsw-dl-XXXXXX")
  (cd "$dl" && apt-get download libreswan >/dev/null 2>&1) || return 1
  mkdir -p "$r" && dpkg -x "$dl"/libreswan_*.deb "$r" || return 1
  [ -x "$r/usr/libexec/ipsec/pluto" ] && echo "$r"
}

LSW=$(lsw_root) || skip "Libreswan is not available (apt-get download libreswan; dpkg -x into /opt/erx-interop/libreswan)"
PLUTO="$LSW/usr/libexec/ipsec/pluto"
missing=$(ldd "$PLUTO" 2>/dev/null | awk '/not found/ {print $1}' | tr '\n' ' ')
[ -z "$missing" ] || skip "pluto's libraries are missing: $missing(apt-get install libreswan's dependencies: libldns3 libunbound8 ...)"
command -v certutil >/dev/null || skip "no certutil for pluto's NSS database (apt-get install libnss3-tools)"
command -v tshark >/dev/null || fail "no tshark (scripts/install-deps.sh installs it)"
command -v tcpdump >/dev/null || skip "no tcpdump to see the ESP our router sends (apt-get install tcpdump)"
python3 -c 'import cryptography' 2>/dev/null || skip "no python3-cryptography to seal ESP with pluto's keys"
command -v cc >/dev/null || fail "no C compiler for tests/e2e/xfrm_shim.c (build-essential)"
SHIM="$TMP/xfrm_shim.so"
cc -O2 -Wall -Wextra -shared -fPIC -o "$SHIM" "$ERX_SRC/tests/e2e/xfrm_shim.c" -ldl -lpthread 2>"$TMP/shim.err" ||
  fail "xfrm_shim.c does not compile: $(head -n 5 "$TMP/shim.err")"

LD="" LSW_PID=""

# lsw_start NAME IKE ESP LEFTSUBNET RIGHTSUBNET AUTO [KEY]: a fresh pluto in
# the peer's namespace with the connection "erx" to our router; AUTO: add
# (responder only) or start (initiate at once); its files in LD
lsw_start() {
  local name=$1 ike=$2 esp=$3 lsub=$4 rsub=$5 auto=$6 key=${7:-$LAB_PSK}
  LD="$TMP/lsw-$name"
  mkdir -p "$LD/run" "$LD/nss"
  cat >"$LD/ipsec.conf" <<EOF
config setup
    ikev1-policy=accept
    logfile=$LD/pluto.log
    logtime=yes
    logappend=yes
    dumpdir=$LD
    plutodebug=${LSW_DEBUG:-none}
    listen=$PEER_WAN

conn erx
    keyexchange=ike
    ikev2=no
    authby=secret
    type=tunnel
    left=$PEER_WAN
    leftid=$PEER_WAN
    leftsubnet=$lsub
    leftupdown=/bin/true
    right=$ERX_WAN
    rightid=$ERX_WAN
    rightsubnet=$rsub
    ike=$ike
    phase2=${LSW_PHASE2:-esp}
    phase2alg=$esp
    pfs=yes
    rekey=no
    keyingtries=${LSW_KEYINGTRIES:-1}
    retransmit-timeout=20s
    auto=$auto
EOF
  printf '%s %s : PSK "%s"\n' "$PEER_WAN" "$ERX_WAN" "$key" >"$LD/ipsec.secrets"
  chmod 600 "$LD/ipsec.secrets"
  certutil -N -d "sql:$LD/nss" --empty-password >/dev/null 2>&1 || fail "certutil could not create pluto's NSS database"
  # pluto runs addconn from /usr/libexec/ipsec: this command's private mount
  # namespace (ip netns exec makes one) gets the unpacked tree there
  # shellcheck disable=SC2016 # the inner shell expands them
  peer_spawn LSW_PID "$LD/pluto.out" sh -c 'mount --bind "$1/usr/libexec" /usr/libexec && shift &&
    exec env LD_PRELOAD="$1" XFRM_SHIM_LOG="$2/shim.log" XFRM_SHIM_KEYS=1 "$3" --nofork --config "$2/ipsec.conf" \
      --secretsfile "$2/ipsec.secrets" --ipsecdir "$2" --nssdir "$2/nss" --rundir "$2/run"' \
    sh "$LSW" "$SHIM" "$LD" "$PLUTO"
  local i
  for ((i = 0; i < 100; i++)); do
    grep -q 'listening for IKE messages' "$LD/pluto.log" 2>/dev/null && [ -S "$LD/run/pluto.ctl" ] &&
      grep -Eq '"erx".*(added|failed)|(added|failed).*"erx"' "$LD/pluto.log" && return 0
    kill -0 "$LSW_PID" 2>/dev/null || break
    sleep 0.1
  done
  fail "pluto did not start: $(tail -n 5 "$LD/pluto.out" "$LD/pluto.log" 2>/dev/null)"
}

lsw_stop() {
  [ -n "$LSW_PID" ] && peer_stop "$LSW_PID"
  LSW_PID=""
}

# lsw_spis: "IN OUT" (decimal) of pluto's IPsec SA from its log, else empty
lsw_spis() {
  local l in out
  l=$(grep -Eh 'IPsec SA established' "$LD/pluto.log" | tail -n 1)
  out=$(sed -nE 's/.*(ESP|AH)[/A-Za-z]*=>0x([0-9a-f]+).*/\2/p' <<<"$l")
  in=$(sed -nE 's/.*<0x([0-9a-f]+).*/\1/p' <<<"$l")
  if [ -n "$in" ] && [ -n "$out" ]; then echo "$((16#$in)) $((16#$out))"; fi
}

# shim_field LINE NAME: NAME=VALUE's value in a line of the shim's log
shim_field() {
  sed -nE "s/.* $2=([^ ]+).*/\\1/p" <<<"$1"
}

# esp_forge SPI ENC EKEY AKEY SRC DST IDENT: hex of an ESP packet (RFC
# 4303, CBC with HMAC-SHA-1-96) carrying an ICMP echo request SRC -> DST
esp_forge() {
  python3 - "$@" <<'PY'
import hashlib, hmac, os, socket, struct, sys
from cryptography.hazmat.primitives.ciphers import Cipher, modes
from cryptography.hazmat.primitives.ciphers.algorithms import AES
try:
    from cryptography.hazmat.decrepit.ciphers.algorithms import TripleDES
except ImportError:
    from cryptography.hazmat.primitives.ciphers.algorithms import TripleDES
spi, enc, ekey, akey, src, dst, ident = sys.argv[1:]
ekey, akey = bytes.fromhex(ekey), bytes.fromhex(akey)
def csum(b):
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    s = (s >> 16) + (s & 0xFFFF)
    return ~(s + (s >> 16)) & 0xFFFF
icmp = struct.pack("!BBHHH", 8, 0, 0, int(ident), 1) + b"erx-interop-keys"
icmp = icmp[:2] + struct.pack("!H", csum(icmp)) + icmp[4:]
ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(icmp), 0x4242, 0, 64, 1, 0,
                 socket.inet_aton(src), socket.inet_aton(dst))
ip = ip[:10] + struct.pack("!H", csum(ip)) + ip[12:] + icmp
alg = TripleDES(ekey) if enc == "des3_ede" else AES(ekey)
bs = alg.block_size // 8
pad = (-(len(ip) + 2)) % bs
plain = ip + bytes(range(1, pad + 1)) + bytes([pad, 4])
iv = os.urandom(bs)
e = Cipher(alg, modes.CBC(iv)).encryptor()
ct = e.update(plain) + e.finalize()
hdr = struct.pack("!II", int(spi, 16), 1)
print((hdr + iv + ct + hmac.new(akey, hdr + iv + ct, hashlib.sha1).digest()[:12]).hex())
PY
}

# keys_check E_IN E_OUT EHOST PHOST NAME: both sides derived the same KEYMAT
# (RFC 2409 §5.5).  pluto has no data path here, so its keys (the shim's
# log) are used by hand: an echo request sealed with pluto's outbound SA and
# sent to our router must be opened by datapathd (the router answers), and
# what our router seals (that reply, and a ping of ours) must open with
# pluto's inbound SA and authenticate (tshark, ICV checked).
keys_check() {
  local e_in=$1 e_out=$2 ehost=$3 phost=$4 name=$5 lo li
  lo=$(grep -E "^NEWSA spi=$(printf '0x%08x' "$e_in") proto=50 " "$LD/shim.log" | tail -n 1)
  li=$(grep -E "^UPDSA spi=$(printf '0x%08x' "$e_out") proto=50 " "$LD/shim.log" | tail -n 1)
  if [ -z "$lo" ] || [ -z "$li" ] || [ -z "$(shim_field "$li" akey)" ]; then
    problem "no keys of pluto's SAs in the shim's log"
    return
  fi
  local ident=$((RANDOM % 60000 + 1000)) hex
  hex=$(esp_forge "$(shim_field "$lo" spi)" "$(shim_field "$lo" enc)" "$(shim_field "$lo" ekey)" \
    "$(shim_field "$lo" akey)" "$phost" "$ehost" "$ident" 2>"$TMP/forge.err") ||
    { problem "cannot build an ESP packet: $(tail -n 1 "$TMP/forge.err")"; return; }
  ip netns exec "$NSE" ping -q -c 1 -W 1 -I "$ehost" "$phost" >/dev/null 2>&1 || true
  ip netns exec "$NSP" python3 "$ERX_SRC/tests/e2e/esp_inject.py" send --src "$PEER_WAN" --dst "$ERX_WAN" \
    --hex "$hex" || { problem "could not send the forged ESP packet"; return; }
  sleep 1
  local wenc=AES-CBC\ \[RFC3602\]
  [ "$(shim_field "$li" enc)" = des3_ede ] && wenc='TripleDES-CBC [RFC2451]'
  local uat
  uat=$(printf 'uat:esp_sa:"IPv4","%s","%s","0x%08x","%s","0x%s","HMAC-SHA-1-96 [RFC2404]","0x%s"' \
    "$ERX_WAN" "$PEER_WAN" "$e_out" "$wenc" "$(shim_field "$li" ekey)" "$(shim_field "$li" akey)")
  tshark -n -r "$PCAP" -o esp.enable_encryption_decode:TRUE \
    -o esp.enable_authentication_check:TRUE -o "$uat" -Y "esp.spi == $(printf '0x%08x' "$e_out")" \
    -T fields -E occurrence=l -e esp.icv_good -e ip.src -e ip.dst -e icmp.type -e icmp.ident \
    >"$TMP/keys.txt" 2>"$TMP/tshark.err" || true
  if grep -Eq "^1	$ehost	$phost	8	" "$TMP/keys.txt"; then
    ok "our outbound keys are pluto's inbound keys (tshark opens and authenticates our ESP with them)"
  else
    problem "our ESP does not open with pluto's inbound keys: $(head -n 3 "$TMP/keys.txt" | tr '\t\n' ' ;') $(head -c 200 "$TMP/tshark.err")"
  fi
  if grep -Eq "^1	$ehost	$phost	0	$ident$" "$TMP/keys.txt"; then
    ok "pluto's outbound keys are our inbound keys (datapathd opened the forged echo request, the reply came back)"
  else
    problem "no echo reply to the ESP packet sealed with pluto's outbound keys"
    erx_detail "$name"
  fi
}

# profile seed|aes|multi-erx|multi-peer|ah: what both sides are configured
# with (P1 IKE XF ESP PFS LID PID LSUB RSUB LIFE, LSW_PHASE2) and the
# transform they must agree on (WANT, as iked names it, LSW_XFRM, as pluto
# does, and PROTO).  The seed's phase 1 with group 5: see above.  multi-*:
# several transforms on one side, the last one common (our proposal 2, or
# pluto's transform 2).  ah: the seed's other transform set (ah-hmac-md5).
profile() {
  case $1 in
    seed | multi-* | ah)
      P1="3des sha 5" IKE="3des-sha1;modp1536" XF=esp-3des-hmac-sha ESP="3des-sha1;modp1536" PFS=5
      LID=$SEED_LID PID=$SEED_PID LSUB=$SEED_PNET RSUB=$SEED_ENET LIFE=$SEED_LIFE
      EHOST=$SEED_EHOST PHOST=$SEED_PHOST
      ;;
    aes)
      P1="aes128 sha 14" IKE="aes128-sha1;modp2048" XF=esp-aes128-hmac-sha ESP="aes128-sha1;modp2048" PFS=14
      LID=$AES_LID PID=$AES_PID LSUB=$AES_PNET RSUB=$AES_ENET LIFE=""
      EHOST=$AES_EHOST PHOST=$AES_PHOST
      ;;
  esac
  WANT=$XF LSW_XFRM=3DES_CBC-HMAC_SHA1_96 LSW_PHASE2=esp PROTO=50
  [ "$1" = aes ] && LSW_XFRM=AES_CBC_128-HMAC_SHA1_96
  if [ "$1" = ah ]; then
    XF=ah-hmac-md5 WANT=ah-hmac-md5 ESP="md5;modp1536" LSW_PHASE2=ah LSW_XFRM=HMAC_MD5_96 PROTO=51
  fi
  [ "$1" = multi-erx ] && XF="esp-aes256-hmac-sha256 esp-3des-hmac-sha"
  [ "$1" = multi-peer ] && ESP="aes256-sha2_256-modp1536,3des-sha1-modp1536"
  return 0
}

# begin NAME WHO KEY_ERX KEY_LSW: a fresh router and pluto, configured with
# the profile's variables; WHO (erx or peer) initiates
begin() {
  local name=$1 who=$2 ekey=$3 lkey=$4
  lan_addr "$NSE" "$EHOST"
  lan_addr "$NSP" "$PHOST"
  erx_start "$name"
  pcap_start "$name"
  if [ "$who" = erx ]; then
    lsw_start "$name" "$IKE" "$ESP" "$LSUB" "$RSUB" add "$lkey"
    erx_config "$name" "$P1" "$XF" "$PFS" "$LID" "$PID" "$ekey" "$LIFE"
  else
    # iked starts at once too: the collision rule makes pluto's win
    erx_config "$name" "$P1" "$XF" "$PFS" "$LID" "$PID" "$ekey" "$LIFE"
    sleep 0.5
    lsw_start "$name" "$IKE" "$ESP" "$LSUB" "$RSUB" start "$lkey"
  fi
}

end() {
  pcap_stop
  lsw_stop
  erx_stop
}

# up NAME PROFILE WHO: phase 1 and 2 up on both sides, the same SPIs
up() {
  local name=$1 who=$3 role=initiator
  selected "$name" || return 0
  profile "$2"
  [ "$who" = peer ] && role=responder
  scenario "$name: $XF, pfs group $PFS, phase 1 $P1${LIFE:+, lifetime $LIFE}; $([ "$who" = erx ] && echo "erx-ipsec" || echo "pluto") initiates"
  begin "$name" "$who" "$LAB_PSK" "$LAB_PSK"
  if expect_log "iked: phase 1 ($role)" 15 "phase 1 \\(main mode, $role\\) with $PEER_WAN established" "$IKED_LOG" &&
    expect_log "pluto: IKE SA established" 5 '"erx" #[0-9]+: IKE SA established' "$LD/pluto.log"; then
    local p2=0
    expect_log "iked: phase 2 ($role, $WANT)" 15 \
      "tunnel ipsec:$name: phase 2 \\(quick mode, $role\\) with $PEER_WAN up: .*, $WANT, pfs group $PFS" "$IKED_LOG" &&
      p2=1
    expect_log "pluto: IPsec SA established" 10 "\"erx\".*IPsec SA established tunnel mode .*xfrm=$LSW_XFRM" \
      "$LD/pluto.log" || p2=0
    if ((p2 == 1)); then
      if erx_up "$name" 5; then ok "show ipsec tunnel: ipsec:$name is up"; else problem "ipsec:$name is not up"; fi
      local ours theirs
      ours=$(erx_spis "$name")
      theirs=$(lsw_spis)
      read -r e_in e_out <<<"$ours"
      read -r l_in l_out <<<"$theirs"
      if [ -n "${e_in:-}" ] && [ "${e_in:-}" = "${l_out:-}" ] && [ "${e_out:-}" = "${l_in:-}" ]; then
        ok "SPIs agree: erx in $e_in = pluto out, erx out $e_out = pluto in"
      else
        problem "SPIs differ: erx in/out '$ours', pluto in/out '$theirs'"
      fi
      # what pluto handed to the (shimmed) kernel: both SAs, ours outbound
      local hex
      hex=$(printf '0x%08x' "${e_in:-0}")
      if grep -Eq "(NEWSA|UPDSA) spi=$hex proto=$PROTO src=$PEER_WAN dst=$ERX_WAN" "$LD/shim.log" 2>/dev/null; then
        ok "pluto installed its outbound SA: $(grep -Eh -m 1 "spi=$hex" "$LD/shim.log")"
      else
        problem "pluto did not install an outbound SA with SPI $hex: $(tr '\n' ';' <"$LD/shim.log" 2>/dev/null)"
      fi
      hex=$(printf '0x%08x' "${e_out:-0}")
      if grep -Eq "(NEWSA|UPDSA) spi=$hex proto=$PROTO src=$ERX_WAN dst=$PEER_WAN" "$LD/shim.log" 2>/dev/null; then
        ok "pluto installed its inbound SA: $(grep -Eh -m 1 "spi=$hex" "$LD/shim.log")"
      else
        problem "pluto did not install an inbound SA with SPI $hex: $(tr '\n' ';' <"$LD/shim.log" 2>/dev/null)"
      fi
      # no NAT between the namespaces: both sides' NAT-D hashes (RFC 3947
      # §3.2) must say so, and nothing is UDP-encapsulated
      if grep -Eq "tunnel ipsec:$name: phase 2 .* up: .*(UDP|4500)" "$IKED_LOG" ||
        grep -Eq "phase 1 .* with $PEER_WAN established: .*NAT" "$IKED_LOG" || grep -q 'encap=' "$LD/shim.log"; then
        problem "NAT-T in use without a NAT: $(grep -Eh 'established|phase 2 .* up' "$IKED_LOG" | cut -c 1-200 | tr '\n' ' ')"
      else
        ok "no NAT detected by either side: plain ESP/AH, UDP 500"
      fi
      if [ "$PROTO" = 50 ]; then keys_check "${e_in:-0}" "${e_out:-0}" "$EHOST" "$PHOST" "$name"; fi
    else
      echo "    --- pluto on quick mode:"
      grep -Ei 'quick|IPsec SA|STATE_QUICK|notification|NO_PROPOSAL|INVALID|ERROR|netlink' "$LD/pluto.log" |
        grep -v '^.*: | ' | tail -n 8 | cut -c 1-300 | sed 's/^/    | /'
    fi
  fi
  refute_log "iked logged no key" "$LAB_PSK" "$IKED_LOG" || true
  end
}

# refused NAME TITLE WHO P1 IKE ESP KEY_ERX KEY_LSW ERX_PATTERN LSW_PATTERN:
# the seed's tunnel (phase-1 rule P1) against pluto offering IKE and ESP
# must fail, with the reason in iked's log (and in pluto's); AFTER: a
# function for more checks before everything stops
refused() {
  local name=$1 title=$2 who=$3
  selected "$name" || return 0
  local ekey=$7 lkey=$8 epat=$9 lpat=${10}
  profile seed
  P1=$4 IKE=$5 ESP=$6
  scenario "$name: $title"
  begin "$name" "$who" "$ekey" "$lkey"
  expect_log "iked says why" 20 "$epat" "$IKED_LOG" || true
  if [ -n "$lpat" ]; then expect_log "pluto says" 5 "$lpat" "$LD/pluto.log" || true; fi
  if erx_up "$name" 1; then problem "ipsec:$name came up"; else ok "ipsec:$name stays down"; fi
  if grep -q 'IPsec SA established' "$LD/pluto.log"; then problem "pluto established an IPsec SA"; fi
  if grep -Eq 'Hash Payload does not match|malformed payload' "$LD/pluto.log" && [ "$ekey" = "$lkey" ]; then
    problem "pluto could not read a message of ours: $(grep -Eh -m 1 'Hash Payload does not match|malformed payload' "$LD/pluto.log")"
  fi
  refute_log "iked logged no key" "$ekey|$lkey" "$IKED_LOG" || true
  if [ -n "${AFTER:-}" ]; then "$AFTER"; fi
  end
}

# after p2-mismatch-lsw: pluto's retries did not flood iked
calm_check() {
  sleep 5
  local n qm ipid
  n=$(grep -c 'quick mode from .* refused' "$IKED_LOG" || true)
  qm=$(grep -c 'initiating Quick Mode' "$LD/pluto.log" || true)
  if [ "${n:-0}" -le 20 ]; then
    ok "iked logged the refusal $n times"
  else
    problem "iked logged the refusal $n times in ~10 s (log flood)"
  fi
  ipid=$(cat "$RE/run/iked.pid" 2>/dev/null || true)
  if [ -n "$ipid" ]; then
    echo "    (iked used $(awk '{print $14 + $15}' "/proc/$ipid/stat") ticks of CPU; pluto started quick mode $qm times)"
  fi
  if has 'Operational state' "$ERXSH" --dir "$RE" -c 'show ipsec tunnel ipsec:p2-mismatch-lsw detail'; then
    ok "the router still answers"
  else
    problem "the router does not answer show ipsec tunnel"
  fi
}

interop_net
echo "ike_libreswan: $("$PLUTO" --version 2>&1 | head -n 1 | cut -d ' ' -f 1-2) (unpacked in $LSW) with xfrm_shim against iked"

up seed-erx seed erx
up seed-lsw seed peer
up aes-erx aes erx
up aes-lsw aes peer
up multi-erx multi-erx erx
up multi-lsw multi-peer peer
up ah-erx ah erx
up ah-lsw ah peer

SEED_IKE="3des-sha1;modp1536" SEED_ESP="3des-sha1;modp1536"
# the seed's phase-1 rule (group 2) against pluto, which has no MODP1024:
# pluto answers NO-PROPOSAL-CHOSEN (unauthenticated) and iked says so
refused p1-dh2 "the seed's phase-1 group 2 against pluto (no MODP1024 in Debian's 4.10)" erx "3des sha 2" \
  "$SEED_IKE" "$SEED_ESP" "$LAB_PSK" "$LAB_PSK" \
  "peer $PEER_WAN says NO-PROPOSAL-CHOSEN during phase 1" 'sending notification NO_PROPOSAL_CHOSEN'
# phase 1: pluto offers only AES-256/SHA-256/group 14
refused p1-mismatch "phase-1 proposal mismatch, pluto initiates" peer "3des sha 5" "aes256-sha2_256;modp2048" \
  "$SEED_ESP" "$LAB_PSK" "$LAB_PSK" \
  "phase 1 from $PEER_WAN refused: no proposal chosen: peer offered aes256-sha256-modp2048.*we accept 3des-sha1-modp1536" \
  'ignoring informational payload NO_PROPOSAL_CHOSEN, msgid=00000000'
# phase 2: pluto offers only ESP AES-256/SHA-256 and tries for ever
# (keyingtries=0); it retries quick mode at once when refused (20,000
# messages in 36 s were seen): iked must stay calm, and tell pluto (an
# encrypted NO-PROPOSAL-CHOSEN: pluto decrypts it, checks its HASH(1), and
# logs that it ignores it under the ISAKMP SA's state)
AFTER=calm_check LSW_KEYINGTRIES=0 refused p2-mismatch-lsw "phase-2 proposal mismatch, pluto initiates" peer "3des sha 5" \
  "$SEED_IKE" "aes256-sha2_256;modp1536" "$LAB_PSK" "$LAB_PSK" \
  "quick mode from $PEER_WAN refused: no proposal chosen: peer offered esp-aes256-hmac-sha256.*we accept esp-3des-hmac-sha" \
  '"erx" #1: received and ignored notification payload: NO_PROPOSAL_CHOSEN'
refused p2-mismatch-erx "phase-2 proposal mismatch, erx-ipsec initiates" erx "3des sha 5" \
  "$SEED_IKE" "aes256-sha2_256;modp1536" "$LAB_PSK" "$LAB_PSK" \
  "tunnel ipsec:p2-mismatch-erx: phase 2 with $PEER_WAN failed: .*NO-PROPOSAL-CHOSEN" \
  'sending encrypted notification NO_PROPOSAL_CHOSEN'
# a wrong key: the side that reads MM5 cannot decrypt it
refused key-lsw "wrong pre-shared key, pluto initiates" peer "3des sha 5" "$SEED_IKE" "$SEED_ESP" \
  wrong-key-of-erx "$LAB_PSK" \
  "ipsec:key-lsw: phase 1 \\(responder\\) with $PEER_WAN failed: authentication failed" ''
refused key-erx "wrong pre-shared key, erx-ipsec initiates" erx "3des sha 5" "$SEED_IKE" "$SEED_ESP" \
  wrong-key-of-erx "$LAB_PSK" \
  "tunnel ipsec:key-erx: phase 1 with $PEER_WAN failed: .*(authentication failed|pre-shared key|state mmFinalI)" \
  'probable authentication failure \(mismatch of preshared secrets\?\)'

interop_finish ike_libreswan
