# shellcheck shell=bash disable=SC2034 # sourced: the variables are for the tests
# Shared by the integration tests: routers started through deploy/erx-router
# in a private temporary directory, all stopped (by pid) on exit.
set -euo pipefail
: "${ERX_BIN:?ERX_BIN must name the build bin directory}"
: "${ERX_SRC:?ERX_SRC (the source tree) must be set}"
ROUTER="$ERX_SRC/deploy/erx-router"
ERXSH="$ERX_BIN/erxsh"
WATCH="$ERX_BIN/erx-watch"
TMP=$(mktemp -d /tmp/erx-it-XXXXXX)
BG_PIDS=()

cleanup() {
  local rc=$?
  for pid in "${BG_PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  for d in "$TMP"/*/; do
    [ -f "$d/router.env" ] && "$ROUTER" stop --dir "$d" >/dev/null 2>&1 || true
  done
  # after the routers stop: what a test built around them (tests/e2e: namespaces)
  if declare -F cleanup_hook >/dev/null; then cleanup_hook; fi
  if [ "$rc" -ne 0 ]; then
    for f in "$TMP"/*/log/*.log; do [ -f "$f" ] && { echo "--- $f"; tail -n 20 "$f"; }; done
  fi
  rm -rf "$TMP"
  exit "$rc"
}
trap cleanup EXIT

fail() {
  echo "FAIL: $*" >&2
  exit 1
}

# start_router NAME [erx-router options]: starts a router in $TMP/NAME and
# prints its directory
start_router() {
  local dir="$TMP/$1" name=$1
  shift
  "$ROUTER" start --name "$name" --dir "$dir" --bin "$ERX_BIN" "$@" >/dev/null || fail "router $name did not start"
  echo "$dir"
}

# install_licence DIR TUNNELS: installs a lab licence through the CLI
install_licence() {
  local key
  key=$("$ERX_BIN/erx-license-mint" --tunnels "$2" --id "LAB-TEST-$2" 2>/dev/null) || fail "cannot mint a licence"
  "$ERXSH" --dir "$1" -c 'configure terminal' -c "license ipsec-tunnels $key" > "$TMP/install.out" ||
    fail "licence refused: $(tail -n 1 "$TMP/install.out")"
}

# Masked keys differ per installation and per entry: compare them as a token.
normalize() {
  sed -E 's/masked-key "[^"]*"/masked-key "<masked>"/g'
}
