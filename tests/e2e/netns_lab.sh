#!/usr/bin/env bash
# The lab's shape without Docker: two routers, each in its own network
# namespace, joined by a veth link on TEST-NET-1; every service runs inside
# its router's namespace and erxsh reaches it through the ipc sockets.
# shellcheck source=tests/e2e/lib.sh
source "$(dirname "$0")/lib.sh"
# shellcheck source=tests/e2e/manual_pair.sh
source "$(dirname "$0")/manual_pair.sh"
pair_up
nsa=$NSA nsb=$NSB ra=$RA rb=$RB
for r in "$ra" "$rb"; do
  for svc in configd licensed datapathd; do
    pid=$(cat "$r/run/$svc.pid")
    [ "$(ip netns identify "$pid")" = "$(basename "$(grep '^netns=' "$r/router.env" | cut -d= -f2)")" ] ||
      fail "$svc of $r does not run in its namespace"
  done
done
"$ERXSH" --dir "$ra" -c 'configure terminal' -c 'ipsec local-endpoint 192.0.2.1' -c 'interface tunnel ipsec:toB' \
  -c 'tunnel source 192.0.2.1' -c 'tunnel destination 192.0.2.2' >/dev/null || fail "host1 refused its configuration"
has '^hostname host2$' "$ERXSH" --dir "$rb" -c 'show configuration' || fail "host2 does not answer"
echo "netns_lab: ok ($nsa, $nsb)"
