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
  # after the routers stop: what a test built around them, then every
  # namespace this test made (named erx<pid>-..., see start_router/netns_new)
  if declare -F cleanup_hook >/dev/null; then cleanup_hook; fi
  local ns
  for ns in $(ip netns list 2>/dev/null | awk -v p="erx$$-" 'index($1, p) == 1 {print $1}'); do
    ip netns del "$ns" 2>/dev/null || true
  done
  if [ "$rc" -ne 0 ]; then
    for f in "$TMP"/*/log/*.log; do [ -f "$f" ] && { echo "--- $f"; tail -n 20 "$f"; }; done
  fi
  rm -rf "$TMP"
  exit "$rc"
}
trap cleanup EXIT

# has PATTERN CMD...: CMD's output matches PATTERN.  The output is read whole
# first: `CMD | grep -q` closes the pipe at the first match, and under
# pipefail the SIGPIPE of a CMD still writing fails the whole test.
has() {
  local pattern=$1 out
  shift
  out=$("$@" 2>/dev/null) || true
  grep -q -- "$pattern" <<<"$out"
}

fail() {
  echo "FAIL: $*" >&2
  exit 1
}

# start_router NAME [erx-router options]: starts a router in $TMP/NAME and
# prints its directory.  Without --netns the router gets a network namespace
# of its own (erx<pid>-r-NAME): datapathd makes an interface per tunnel, and
# those must never appear on the host.
start_router() {
  local dir="$TMP/$1" name=$1 ns_opt=()
  shift
  if [[ " $* " != *" --netns "* ]]; then
    local ns="erx$$-r-$name"
    ip netns add "$ns" || fail "cannot create network namespace $ns (root and iproute2 needed)"
    ip -n "$ns" link set lo up
    ns_opt=(--netns "$ns")
  fi
  "$ROUTER" start --name "$name" --dir "$dir" --bin "$ERX_BIN" "${ns_opt[@]}" "$@" >/dev/null ||
    fail "router $name did not start"
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
