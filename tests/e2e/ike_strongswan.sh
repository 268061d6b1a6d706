#!/usr/bin/env bash
# Interop: erx-ipsec's iked against strongSwan 5.9 (charon-systemd, IKEv1,
# main mode, pre-shared keys) in network namespaces of their own.
#
# strongSwan's data path here is its kernel-libipsec plugin (this kernel
# has no ESP): it forces NAT traversal (a deliberately wrong NAT-D hash, both
# sides float to UDP 4500) and refuses any CHILD_SA that is not
# UDP-encapsulated, so quick mode completes on its side only when ours does
# RFC 3947/3948; then traffic really crosses: our datapathd on one side,
# strongSwan's TUN device on the other.
#
# Scenarios (each on a fresh router and a fresh charon), with either side
# initiating: the seed's tunnel (3DES/SHA-1 and DH group 2 in phase 1, ESP
# 3DES/SHA-1 with PFS group 5, subnet identities, lifetime 48000 s and
# 249000 KB), an AES one (AES-128/SHA-1, group 14, ESP AES-128/SHA-1 with
# PFS group 14, host identities) and a transform set of two: phase 1 and 2
# up on both sides, the SPIs agree, pings cross both ways.  Then phase-1 and
# phase-2 proposal mismatches and a wrong key: nothing comes up and iked's
# log says why.  ERX_INTEROP_ONLY="seed-* p1-*" runs some scenarios only;
# ERX_INTEROP_KEEP=DIR keeps the logs and captures.
#
# strongSwan comes from Debian (strongswan-swanctl charon-systemd
# libcharon-extra-plugins, scripts/install-deps.sh); when missing, the test
# installs it as root if apt-get can without removing anything (Libreswan's
# package conflicts with it), else it is skipped (77).
# shellcheck source=tests/e2e/interop_lib.sh
source "$(dirname "$0")/interop_lib.sh"

CHARON=/usr/sbin/charon-systemd
SWANCTL=/usr/sbin/swanctl
LIBIPSEC=/usr/lib/ipsec/plugins/libstrongswan-kernel-libipsec.so
SW_PACKAGES=(strongswan-swanctl charon-systemd libcharon-extra-plugins)
sw_installed() { [ -x "$CHARON" ] && [ -x "$SWANCTL" ] && [ -f "$LIBIPSEC" ]; }
if ! sw_installed && ((EUID == 0)) && command -v apt-get >/dev/null; then
  echo "ike_strongswan: installing ${SW_PACKAGES[*]}"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-remove --no-install-recommends "${SW_PACKAGES[@]}" \
    >"$TMP/apt.out" 2>&1 || echo "ike_strongswan: apt-get failed: $(tail -n 2 "$TMP/apt.out")"
fi
sw_installed || skip "strongSwan is not installed and cannot be (apt-get install ${SW_PACKAGES[*]})"
[ -e /dev/net/tun ] || skip "no /dev/net/tun for strongSwan's kernel-libipsec"
[ -x "$ERX_BIN/iked" ] || fail "no $ERX_BIN/iked (configure with -DERX_IKED=ON)"

SWD="" SW_PID=""

# sw_start NAME: a fresh charon in the peer's namespace, its files in SWD
sw_start() {
  SWD="$TMP/sw-$1"
  mkdir -p "$SWD"
  cat >"$SWD/strongswan.conf" <<EOF
charon {
  load_modular = no
  load = random nonce openssl aes sha1 sha2 md5 hmac gmp kdf kernel-libipsec kernel-netlink socket-default vici
  retransmit_tries = 3
  retransmit_timeout = 2
  retransmit_base = 1.4
  install_routes = yes
  plugins {
    vici {
      socket = unix://$SWD/charon.vici
    }
  }
  journal {
    default = -1
  }
  syslog {
    daemon {
      default = -1
    }
  }
  filelog {
    lab {
      path = $SWD/charon.log
      time_format = %H:%M:%S
      flush_line = yes
      default = 1
      ike = 2
      cfg = 2
      knl = 2
      esp = 2
      net = 1
    }
  }
}
swanctl {
  socket = unix://$SWD/charon.vici
}
EOF
  peer_spawn SW_PID "$SWD/charon.out" env STRONGSWAN_CONF="$SWD/strongswan.conf" "$CHARON"
  local i
  for ((i = 0; i < 100; i++)); do
    [ -S "$SWD/charon.vici" ] && sw --stats >/dev/null 2>&1 && return 0
    kill -0 "$SW_PID" 2>/dev/null || break
    sleep 0.1
  done
  fail "charon did not start: $(tail -n 5 "$SWD/charon.out" "$SWD/charon.log" 2>/dev/null)"
}

sw() {
  STRONGSWAN_CONF="$SWD/strongswan.conf" "$SWANCTL" "$@" --uri "unix://$SWD/charon.vici"
}

sw_stop() {
  [ -n "$SW_PID" ] && peer_stop "$SW_PID"
  SW_PID=""
}

# sw_load IKE ESP LOCAL_TS REMOTE_TS START [KEY]: the connection "erx" to
# our router; START: none (responder only) or start (initiate at once)
sw_load() {
  local ike=$1 esp=$2 lts=$3 rts=$4 start=$5 key=${6:-$LAB_PSK}
  cat >"$SWD/swanctl.conf" <<EOF
connections {
  erx {
    version = 1
    aggressive = no
    local_addrs = $PEER_WAN
    remote_addrs = $ERX_WAN
    proposals = $ike
    dpd_delay = 0
    local {
      auth = psk
      id = $PEER_WAN
    }
    remote {
      auth = psk
      id = $ERX_WAN
    }
    children {
      erx {
        local_ts = $lts
        remote_ts = $rts
        esp_proposals = $esp
        mode = tunnel
        start_action = $start
      }
    }
  }
}
secrets {
  ike-erx {
    id-erx = $ERX_WAN
    secret = "$key"
  }
}
EOF
  sw --load-all --file "$SWD/swanctl.conf" >"$SWD/load.out" 2>&1 ||
    fail "swanctl refused the configuration: $(tail -n 3 "$SWD/load.out")"
}

# sw_spis: "IN OUT" of the CHILD_SA (decimal), empty when there is none
sw_spis() {
  sw --list-sas >"$SWD/sas.out" 2>&1 || true
  local in out
  in=$(awk '$1 == "in" {sub(/,$/, "", $2); print $2; exit}' "$SWD/sas.out")
  out=$(awk '$1 == "out" {sub(/,$/, "", $2); print $2; exit}' "$SWD/sas.out")
  if [ -n "$in" ] && [ -n "$out" ]; then echo "$((16#$in)) $((16#$out))"; fi
}

# The phase 2 and data path checks once phase 1 is up on both sides.
check_phase2() {
  local name=$1 role=$2 ehost=$3 phost=$4
  local p2=0
  expect_log "iked: phase 2 ($role, $WANT)" 15 \
    "tunnel ipsec:$name: phase 2 \\(quick mode, $role\\) with $PEER_WAN up: .*, $WANT, pfs group $PFS" "$IKED_LOG" &&
    p2=1
  expect_log "strongSwan: CHILD_SA established" 10 'CHILD_SA erx\{[0-9]+\} established' "$SWD/charon.log" ||
    p2=0
  if ((p2 == 0)); then
    echo "    --- iked on phase 2 and NAT-T:"
    grep -Ei 'phase 2|quick mode|4500|nat' "$IKED_LOG" | tail -n 6 | cut -c 1-300 | sed 's/^/    | /'
    echo "    --- strongSwan on the CHILD_SA:"
    grep -Ei 'CHILD_SA|quick|encap|NAT|SAD|install|NO_PROP|notify' "$SWD/charon.log" | tail -n 8 | cut -c 1-300 |
      sed 's/^/    | /'
    return
  fi
  if erx_up "$name" 5; then ok "show ipsec tunnel: ipsec:$name is up"; else problem "ipsec:$name is not up"; fi
  local ours theirs
  ours=$(erx_spis "$name")
  theirs=$(sw_spis)
  read -r e_in e_out <<<"$ours"
  read -r s_in s_out <<<"$theirs"
  if [ -n "${e_in:-}" ] && [ "${e_in:-}" = "${s_out:-}" ] && [ "${e_out:-}" = "${s_in:-}" ]; then
    ok "SPIs agree: erx in $e_in = strongSwan out, erx out $e_out = strongSwan in"
  else
    problem "SPIs differ: erx in/out '$ours', strongSwan in/out '$theirs'"
  fi
  # kernel-libipsec fakes a NAT (RFC 3947 NAT-D): both sides must have
  # floated to 4500 and encapsulate ESP in UDP (RFC 3948)
  if grep -q 'TUNNEL-in-UDP' "$SWD/sas.out" && grep -q "${PEER_WAN//./\\.}\\[4500\\]" "$SWD/sas.out" &&
    grep -Eq "tunnel ipsec:$name: phase 2 .* up: .*UDP 4500" "$IKED_LOG"; then
    ok "NAT-T: both sides on UDP 4500, ESP in UDP"
  else
    problem "NAT-T not in use on both sides: $(grep -E 'TUNNEL|4500' "$SWD/sas.out" | tr -s ' ' | tr '\n' ';') iked: $(grep -Eh "phase 2 .* up" "$IKED_LOG" | cut -c 1-250)"
  fi
  ping_check "ping erx -> strongSwan" "$NSE" "$ehost" "$phost"
  ping_check "ping strongSwan -> erx" "$NSP" "$phost" "$ehost"
  if [[ ${INTEROP_FAILS[*]} == *"$SCENARIO: ping"* ]]; then
    erx_detail "$name"
    grep -Ei 'esp|libipsec|tun' "$SWD/charon.log" | tail -n 6 | cut -c 1-300 | sed 's/^/    | /'
  fi
}

# profile seed|aes|multi-erx|multi-peer: what both sides are configured
# with (P1 IKE XF ESP PFS LID PID LTS RTS EHOST PHOST LIFE) and the transform
# they must agree on (WANT, as iked names it).  multi-*: several transforms
# on one side, the last one common (our proposal 2, or strongSwan's 2).
profile() {
  case $1 in
    seed | multi-*)
      P1="3des sha 2" IKE=3des-sha1-modp1024 XF=esp-3des-hmac-sha ESP=3des-sha1-modp1536 PFS=5
      LID=$SEED_LID PID=$SEED_PID LTS=$SEED_PNET RTS=$SEED_ENET EHOST=$SEED_EHOST PHOST=$SEED_PHOST LIFE=$SEED_LIFE
      ;;
    aes)
      P1="aes128 sha 14" IKE=aes128-sha1-modp2048 XF=esp-aes128-hmac-sha ESP=aes128-sha1-modp2048 PFS=14
      LID=$AES_LID PID=$AES_PID LTS=$AES_PNET RTS=$AES_ENET EHOST=$AES_EHOST PHOST=$AES_PHOST LIFE=""
      ;;
  esac
  WANT=$XF
  [ "$1" = multi-erx ] && XF="esp-aes256-hmac-sha256 esp-3des-hmac-sha"
  [ "$1" = multi-peer ] && ESP="aes256-sha256-modp1536,3des-sha1-modp1536"
  return 0
}

# begin NAME WHO KEY_ERX KEY_SW: a fresh router and charon, configured with
# the profile's variables; WHO (erx or peer) initiates
begin() {
  local name=$1 who=$2 ekey=$3 skey=$4
  lan_addr "$NSE" "$EHOST"
  lan_addr "$NSP" "$PHOST"
  erx_start "$name"
  pcap_start "$name"
  sw_start "$name"
  if [ "$who" = erx ]; then
    sw_load "$IKE" "$ESP" "$LTS" "$RTS" none "$skey"
    erx_config "$name" "$P1" "$XF" "$PFS" "$LID" "$PID" "$ekey" "$LIFE"
  else
    # iked starts at once too: the collision rule makes strongSwan's win
    erx_config "$name" "$P1" "$XF" "$PFS" "$LID" "$PID" "$ekey" "$LIFE"
    sleep 0.5
    sw_load "$IKE" "$ESP" "$LTS" "$RTS" start "$skey"
  fi
}

end() {
  pcap_stop
  sw_stop
  erx_stop
}

# up NAME PROFILE WHO: phase 1 and 2 up on both sides, pings cross
up() {
  local name=$1 who=$3 role=initiator
  selected "$name" || return 0
  profile "$2"
  [ "$who" = peer ] && role=responder
  scenario "$name: $XF, pfs group $PFS, phase 1 $P1${LIFE:+, lifetime $LIFE}; $([ "$who" = erx ] && echo "erx-ipsec" || echo "strongSwan") initiates"
  begin "$name" "$who" "$LAB_PSK" "$LAB_PSK"
  if expect_log "iked: phase 1 ($role)" 15 \
    "phase 1 \\(main mode, $role\\) with $PEER_WAN established" "$IKED_LOG" &&
    expect_log "strongSwan: IKE_SA established" 5 \
      "IKE_SA erx\\[[0-9]+\\] established between $PEER_WAN\\[$PEER_WAN\\]\\.\\.\\.$ERX_WAN\\[$ERX_WAN\\]" \
      "$SWD/charon.log"; then
    check_phase2 "$name" "$role" "$EHOST" "$PHOST"
  fi
  refute_log "iked logged no key" "$LAB_PSK" "$IKED_LOG" || true
  end
}

# refused NAME TITLE WHO IKE ESP KEY_ERX KEY_SW ERX_PATTERN SW_PATTERN: the
# seed's tunnel against strongSwan offering IKE and ESP must fail, with the
# reason in iked's log (and what strongSwan should see in its own)
refused() {
  local name=$1 title=$2 who=$3
  selected "$name" || return 0
  local ekey=$6 skey=$7 epat=$8 spat=$9
  profile seed
  IKE=$4 ESP=$5
  scenario "$name: $title"
  begin "$name" "$who" "$ekey" "$skey"
  expect_log "iked says why" 20 "$epat" "$IKED_LOG" || true
  if [ -n "$spat" ]; then expect_log "strongSwan hears it" 5 "$spat" "$SWD/charon.log" || true; fi
  if erx_up "$name" 1; then problem "ipsec:$name came up"; else ok "ipsec:$name stays down"; fi
  if grep -Eq 'CHILD_SA erx\{[0-9]+\} established' "$SWD/charon.log"; then problem "strongSwan established a CHILD_SA"; fi
  refute_log "iked logged no key" "$ekey|$skey" "$IKED_LOG" || true
  end
}

interop_net
echo "ike_strongswan: strongSwan $(dpkg-query -W -f='${Version}' charon-systemd 2>/dev/null) (charon-systemd, kernel-libipsec) against iked"

up seed-erx seed erx
up seed-sw seed peer
up aes-erx aes erx
up aes-sw aes peer
up multi-erx multi-erx erx
up multi-sw multi-peer peer

# phase 1: strongSwan offers only AES-256/SHA-256/group 14, our rule is the seed's
refused p1-mismatch "phase-1 proposal mismatch, strongSwan initiates" peer aes256-sha256-modp2048 \
  3des-sha1-modp1536 "$LAB_PSK" "$LAB_PSK" \
  "phase 1 from $PEER_WAN refused: no proposal chosen: peer offered aes256-sha256-modp2048.*we accept 3des-sha1-modp1024" \
  'received NO_PROPOSAL_CHOSEN'
# phase 2: strongSwan offers only ESP AES-256/SHA-256
refused p2-mismatch-sw "phase-2 proposal mismatch, strongSwan initiates" peer 3des-sha1-modp1024 \
  aes256-sha256-modp1536 "$LAB_PSK" "$LAB_PSK" \
  "quick mode from $PEER_WAN refused: no proposal chosen: peer offered esp-aes256-hmac-sha256.*we accept esp-3des-hmac-sha" \
  'received NO_PROPOSAL_CHOSEN error notify'
refused p2-mismatch-erx "phase-2 proposal mismatch, erx-ipsec initiates" erx 3des-sha1-modp1024 \
  aes256-sha256-modp1536 "$LAB_PSK" "$LAB_PSK" \
  "tunnel ipsec:p2-mismatch-erx: phase 2 with $PEER_WAN failed: .*NO-PROPOSAL-CHOSEN" \
  'no matching proposal found, sending NO_PROPOSAL_CHOSEN'
# a wrong key: the side that reads MM5 cannot decrypt it
refused key-sw "wrong pre-shared key, strongSwan initiates" peer 3des-sha1-modp1024 3des-sha1-modp1536 \
  wrong-key-of-erx "$LAB_PSK" \
  "ipsec:key-sw: phase 1 \\(responder\\) with $PEER_WAN failed: authentication failed" ''
refused key-erx "wrong pre-shared key, erx-ipsec initiates" erx 3des-sha1-modp1024 3des-sha1-modp1536 \
  wrong-key-of-erx "$LAB_PSK" \
  "tunnel ipsec:key-erx: phase 1 with $PEER_WAN failed: .*(authentication failed|pre-shared key|state mmFinalI)" \
  'invalid ID_V1 payload length, decryption failed\?'

interop_finish ike_strongswan
