#!/usr/bin/env bash
# Installs the Debian packages erx-ipsec builds and tests with.  Idempotent and
# non-interactive: installs only what is missing, and runs apt-get update only
# then.  Works as root, or through sudo.
set -euo pipefail

PACKAGES=(
  build-essential cmake pkg-config
  libevent-dev libzmq3-dev libprotobuf-c-dev protobuf-c-compiler libssl-dev
  libcriterion-dev libedit-dev
  clang libclang-rt-14-dev
  iproute2 iputils-ping procps util-linux python3 tmux docker-compose
  tshark iperf3 tcpdump openssl
  nftables # tests/e2e/ike_natt.sh: a real NAT (masquerade) between two routers
  # interop peers (tests/e2e/ike_strongswan.sh, ike_libreswan.sh): strongSwan
  # installed; Libreswan's package conflicts with it, so only its libraries
  # here and the package itself unpacked beside (below)
  strongswan-swanctl charon-systemd libcharon-extra-plugins
  libnss3-tools libldns3 libunbound8 python3-cryptography
)
# where Libreswan's pluto is unpacked (apt-get download + dpkg -x)
LIBRESWAN_ROOT=${ERX_LIBRESWAN_ROOT:-/opt/erx-interop/libreswan}

installed() {
  [[ $(dpkg-query -W -f='${db:Status-Status}' "$1" 2>/dev/null) == installed ]]
}

missing=()
for p in "${PACKAGES[@]}"; do
  installed "$p" || missing+=("$p")
done
SUDO=()
if ((EUID != 0)); then
  command -v sudo >/dev/null || { echo "install-deps: not root and no sudo; install: ${missing[*]}" >&2; exit 1; }
  SUDO=(sudo)
fi

unpack_libreswan() {
  [[ -x $LIBRESWAN_ROOT/usr/libexec/ipsec/pluto ]] && return 0
  local dl
  dl=$(mktemp -d)
  chmod 755 "$dl" # apt downloads as user _apt
  echo "install-deps: unpacking libreswan into $LIBRESWAN_ROOT"
  (cd "$dl" && "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get download -q libreswan) &&
    "${SUDO[@]}" mkdir -p "$LIBRESWAN_ROOT" && "${SUDO[@]}" dpkg -x "$dl"/libreswan_*.deb "$LIBRESWAN_ROOT"
  local rc=$?
  rm -rf "$dl"
  return "$rc"
}

if ((${#missing[@]} == 0)); then
  echo "install-deps: all ${#PACKAGES[@]} packages present"
  unpack_libreswan
  exit
fi
echo "install-deps: installing ${missing[*]}"
# answered up front so that apt-get never asks: no setuid dumpcap (the e2e
# tests capture as root), no iperf3 daemon (the benchmark starts its own)
printf '%s\n' 'wireshark-common wireshark-common/install-setuid boolean false' \
  'iperf3 iperf3/start_daemon boolean false' | "${SUDO[@]}" debconf-set-selections
"${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -q
"${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"
unpack_libreswan
