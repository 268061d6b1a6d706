#!/usr/bin/env bash
# kill -9 of licensed and of configd during a burst of tunnel creations leaves
# the counts consistent: licensed's count equals configd's tunnels, within
# the maximum, and every acknowledged tunnel exists.
# shellcheck source=tests/integration/lib.sh
source "$(dirname "$0")/lib.sh"
r=$(start_router host1)
install_licence "$r" 1000
acked="$TMP/acked"
: > "$acked"

burst() { # creates tunnels from $1 on, one erxsh each, until told to stop
  local i=$1
  while [ ! -e "$TMP/stop" ] && [ "$i" -lt $(($1 + 3000)) ]; do
    if "$ERXSH" --dir "$r" --timeout 300 -c 'configure terminal' -c "interface tunnel ipsec:k$i" >/dev/null 2>&1; then
      echo "$i" >> "$acked"
    fi
    i=$((i + 1))
  done
}
counts() {
  local lic cfg
  lic=$("$ERXSH" --dir "$r" -c 'show license ipsec-tunnels' | awk '/Tunnels in use/ {print $4}')
  cfg=$("$ERXSH" --dir "$r" -c 'show ipsec tunnel summary' | awk '/Total tunnels/ {print $3}')
  echo "$lic $cfg"
}

for victim in licensed configd licensed configd; do
  rm -f "$TMP/stop"
  start=$(( $(wc -l < "$acked") * 10 + RANDOM % 7 + 1 ))
  burst "$start" &
  b=$!
  BG_PIDS+=("$b")
  sleep "0.$((RANDOM % 6 + 3))"
  "$ROUTER" kill --dir "$r" --service "$victim" >/dev/null
  sleep 0.5
  "$ROUTER" restart --dir "$r" --service "$victim" >/dev/null || fail "$victim did not come back"
  sleep 0.5
  touch "$TMP/stop"
  wait "$b" || true
  # licensed recounts from configd's snapshot; reservations of a configd that died are dropped
  ok=0
  for _ in $(seq 100); do
    read -r lic cfg < <(counts)
    if [ -n "$lic" ] && [ "$lic" = "$cfg" ]; then ok=1; break; fi
    sleep 0.1
  done
  [ "$ok" = 1 ] || fail "after kill -9 of $victim: licensed counts $lic, configd has $cfg tunnels"
  [ "$cfg" -le 1000 ] || fail "more tunnels than the licence allows: $cfg"
  "$ERXSH" --dir "$r" -c 'show configuration interface' > "$TMP/show"
  while read -r i; do
    grep -q "^interface tunnel ipsec:k$i " "$TMP/show" || fail "acknowledged tunnel k$i lost"
  done < "$acked"
  echo "kill -9 $victim: $cfg tunnels, licensed counts $lic, $(wc -l < "$acked") acknowledged creations all present"
done
echo "license_kill: ok"
