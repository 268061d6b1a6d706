# shellcheck shell=bash disable=SC2034 # sourced: the variables are for the tests
# End-to-end tests: routers in network namespaces of their own, joined by
# veth links on TEST-NET addresses.  Namespace names carry the test's pid so
# parallel runs never collide; everything is removed on exit.
# shellcheck source=tests/integration/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../integration/lib.sh"
NETNS=()

# netns_new VAR SUFFIX: creates namespace "erx<pid>-<suffix>" with loopback up
# and stores its name in VAR (the integration cleanup removes every erx<pid>-*)
netns_new() {
  local ns="erx$$-$2"
  ip netns add "$ns" || fail "cannot create network namespace $ns (root and iproute2 needed)"
  NETNS+=("$ns")
  ip -n "$ns" link set lo up
  printf -v "$1" '%s' "$ns"
}

# link NS_A ADDR_A/LEN NS_B ADDR_B/LEN: a veth pair between two namespaces
link() {
  local a="v$$a${#NETNS[@]}" b="v$$b${#NETNS[@]}"
  ip link add "$a" type veth peer name "$b"
  ip link set "$a" netns "$1"
  ip link set "$b" netns "$3"
  ip -n "$1" addr add "$2" dev "$a"
  ip -n "$3" addr add "$4" dev "$b"
  ip -n "$1" link set "$a" up
  ip -n "$3" link set "$b" up
}
