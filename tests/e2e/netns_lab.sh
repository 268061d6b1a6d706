#!/usr/bin/env bash
# The lab's shape without Docker: two routers, each in its own network
# namespace, joined by a veth link on TEST-NET-1; every service runs inside
# its router's namespace and erxsh reaches it through the ipc sockets.
# shellcheck source=tests/e2e/lib.sh
source "$(dirname "$0")/lib.sh"
nsa="" nsb=""
netns_new nsa a
netns_new nsb b
link "$nsa" 192.0.2.1/24 "$nsb" 192.0.2.2/24
ip netns exec "$nsa" ping -c 1 -W 2 192.0.2.2 >/dev/null || fail "no connectivity between the namespaces"

ra=$(start_router host1 --netns "$nsa")
rb=$(start_router host2 --netns "$nsb")
for r in "$ra" "$rb"; do
  for svc in configd licensed; do
    pid=$(cat "$r/run/$svc.pid")
    [ "$(ip netns identify "$pid")" = "$(basename "$(grep '^netns=' "$r/router.env" | cut -d= -f2)")" ] ||
      fail "$svc of $r does not run in its namespace"
  done
done
"$ERXSH" --dir "$ra" -c 'configure terminal' -c 'ipsec local-endpoint 192.0.2.1' -c 'interface tunnel ipsec:toB' \
  -c 'tunnel source 192.0.2.1' -c 'tunnel destination 192.0.2.2' >/dev/null || fail "host1 refused its configuration"
"$ERXSH" --dir "$rb" -c 'show configuration' | grep -q '^hostname host2$' || fail "host2 does not answer"
echo "netns_lab: ok ($nsa, $nsb)"
