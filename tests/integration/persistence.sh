#!/usr/bin/env bash
# kill -9 of configd during a burst of changes loses no acknowledged command.
# shellcheck source=tests/integration/lib.sh
source "$(dirname "$0")/lib.sh"
r=$(start_router host1)
install_licence "$r" 5000
acked="$TMP/acked"
: > "$acked"
next=1
for round in 1 2 3 4 5; do
  # a burst: one erxsh per change, so each acknowledgement is known exactly
  (
    i=$next
    while [ "$i" -lt $((next + 2000)) ]; do
      if "$ERXSH" --dir "$r" --timeout 300 -c 'configure terminal' -c "interface tunnel ipsec:t$i" \
        -c "tunnel mtu $((1000 + i % 8000))" >/dev/null 2>&1; then
        echo "$i" >> "$acked"
      else
        break
      fi
      i=$((i + 1))
    done
  ) &
  burst=$!
  BG_PIDS+=("$burst")
  sleep "0.$((RANDOM % 9 + 3))"
  "$ROUTER" kill --dir "$r" --service configd >/dev/null
  wait "$burst" || true
  "$ROUTER" restart --dir "$r" --service configd >/dev/null || fail "configd did not come back"
  n=$(wc -l < "$acked")
  [ "$n" -gt 0 ] || fail "round $round: nothing was acknowledged before the kill"
  "$ERXSH" --dir "$r" -c 'show configuration interface' > "$TMP/show"
  while read -r i; do
    grep -qx "interface tunnel ipsec:t$i transport-virtual-router default" "$TMP/show" ||
      fail "round $round: acknowledged tunnel t$i lost"
    grep -A1 -x "interface tunnel ipsec:t$i transport-virtual-router default" "$TMP/show" |
      grep -qx " tunnel mtu $((1000 + i % 8000))" || [ $((1000 + i % 8000)) -eq 1400 ] ||
      fail "round $round: acknowledged mtu of t$i lost"
  done < "$acked"
  echo "round $round: $n acknowledged changes, all present after kill -9"
  next=$(( $(tail -n 1 "$acked") + 1 ))
done
echo "persistence: ok"
