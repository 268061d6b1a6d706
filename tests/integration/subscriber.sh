#!/usr/bin/env bash
# A subscriber process observes every change, including across a configd
# restart, and ends with the same state as a fresh snapshot.
# shellcheck source=tests/integration/lib.sh
source "$(dirname "$0")/lib.sh"
r=$(start_router host1)
install_licence "$r" 1000
"$WATCH" --dir "$r" > "$TMP/stream" &
watch_pid=$!
BG_PIDS+=("$watch_pid")
for _ in $(seq 50); do grep -q '^SYNC' "$TMP/stream" && break; sleep 0.1; done
grep -q '^SYNC' "$TMP/stream" || fail "subscriber never synchronised"

cmds() {
  echo "configure terminal"
  for i in $(seq "$1" "$2"); do
    echo "interface tunnel ipsec:s$i"
    echo " tunnel mtu $((1500 + i))"
  done
}
cmds 1 40 | "$ERXSH" --dir "$r" -f - >/dev/null
# changes made one by one, as an operator types them
for i in 41 42 43; do
  "$ERXSH" --dir "$r" -c 'configure terminal' -c "interface tunnel ipsec:s$i" >/dev/null
done
"$ERXSH" --dir "$r" -c 'configure terminal' -c 'no interface tunnel ipsec:s7' -c 'ipsec transform-set x esp-des' >/dev/null
"$ROUTER" restart --dir "$r" --service configd --kill >/dev/null
# Clone carries state, not an event log: a change made while the subscriber
# is re-snapshotting may be folded into the snapshot.  Changes made after it
# has resynchronised must each be seen.
for _ in $(seq 100); do [ "$(grep -c '^SYNC' "$TMP/stream")" -ge 2 ] && break; sleep 0.1; done
[ "$(grep -c '^SYNC' "$TMP/stream")" -ge 2 ] || fail "no re-snapshot after the configd restart"
cmds 44 60 | "$ERXSH" --dir "$r" -f - >/dev/null
"$ERXSH" --dir "$r" -c 'configure terminal' -c 'no interface tunnel ipsec:s50' -c 'hostname after' >/dev/null

# the stream converges to a fresh snapshot
"$WATCH" --dir "$r" --dump > "$TMP/fresh"
for _ in $(seq 50); do
  grep -q 'hostname:"after"' "$TMP/stream" && grep -q '^DEL tunnel/default/s50' "$TMP/stream" && break
  sleep 0.1
done
kill -TERM "$watch_pid"
wait "$watch_pid" || true
sed -n '/^FINAL/,$p' "$TMP/stream" | grep '^ITEM' > "$TMP/final"
grep '^ITEM' "$TMP/fresh" > "$TMP/fresh.items"
diff -u "$TMP/fresh.items" "$TMP/final" || fail "subscriber state differs from a fresh snapshot"
# every change was seen as it happened
for i in $(seq 1 60); do
  grep -q "^SET tunnel/default/s$i " "$TMP/stream" || fail "creation of s$i not observed"
done
grep -q '^DEL tunnel/default/s7' "$TMP/stream" || fail "deletion of s7 not observed"
grep -q 'secret\|customer' "$TMP/stream" && fail "a secret reached the subscriber's output"
echo "subscriber: ok ($(grep -c '^SET' "$TMP/stream") updates, $(grep -c '^SYNC' "$TMP/stream") snapshots)"
