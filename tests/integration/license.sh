#!/usr/bin/env bash
# licensed: the 10-tunnel default, signed licences, chassis ceilings,
# admission, refusals that change nothing, persistence, licensed down, and a
# configuration larger than its licence kept whole with the extras blocked.
# shellcheck source=tests/integration/lib.sh
source "$(dirname "$0")/lib.sh"
MINT="$ERX_BIN/erx-license-mint"
r=$(start_router host1)
cli() { "$ERXSH" --dir "$r" -c 'configure terminal' "${@/#/-c}"; }
tunnels() { # configure tunnels t$1..t$2, one per line
  { echo "configure terminal"; for i in $(seq "$1" "$2"); do echo "interface tunnel ipsec:t$i"; done; } |
    "$ERXSH" --dir "$r" -f - > "$TMP/tunnels.out" || true
}
in_use() { "$ERXSH" --dir "$r" -c 'show license ipsec-tunnels' | awk '/Tunnels in use/ {print $4}'; }
maximum() { "$ERXSH" --dir "$r" -c 'show license ipsec-tunnels' | awk '/Maximum tunnels/ {print $3}'; }
configured() { "$ERXSH" --dir "$r" -c 'show ipsec tunnel summary' | awk '/Total tunnels/ {print $3}'; }

# --- no licence: 10 tunnels, the 11th refused with the numbers
tunnels 1 8
# admissions a request did not use are given back at once: x1 and x2 are
# admitted in one batch, deleted again before the commit, and their slots
# are free for the next request (not 30 s later)
printf '%s\n' 'configure terminal' 'interface tunnel ipsec:x1' 'exit' 'interface tunnel ipsec:x2' 'exit' \
  'no interface tunnel ipsec:x1' 'no interface tunnel ipsec:x2' | "$ERXSH" --dir "$r" -f - >/dev/null ||
  fail "create-and-delete in one request was refused"
[ "$(in_use)" = 8 ] || fail "unused admissions still counted: $(in_use) in use"
tunnels 9 10
[ "$(configured)" = 10 ] || fail "slots of released admissions were not free"
# a batch beyond the limit: every new tunnel refused, nothing created
printf '%s\n' 'configure terminal' 'interface tunnel ipsec:b1' 'interface tunnel ipsec:b2' | "$ERXSH" --dir "$r" -f - > "$TMP/out" &&
  fail "tunnels beyond the limit were created"
[ "$(grep -c "IPsec tunnel limit reached" "$TMP/out")" = 2 ] || fail "batch refusal: $(cat "$TMP/out")"
[ "$(configured)" = 10 ] || fail "10 tunnels should be allowed without a licence"
set +e
cli 'interface tunnel ipsec:t11' > "$TMP/out"; rc=$?
set -e
[ "$rc" = 1 ] || fail "the 11th tunnel was not refused"
grep -q "IPsec tunnel limit reached (10 of 10 in use; no licence installed" "$TMP/out" || fail "refusal text: $(cat "$TMP/out")"
[ "$(configured)" = 10 ] || fail "a refused tunnel was created"
# re-entering an existing tunnel does not count again
cli 'interface tunnel ipsec:t3' 'tunnel mtu 1500' >/dev/null || fail "re-entering an existing tunnel was refused"

# --- a 1000-tunnel licence admits the 11th
key1000=$("$MINT" --tunnels 1000 --id LAB-0001 --issued 2026-11-26 2>/dev/null)
cli "license ipsec-tunnels $key1000" > "$TMP/out" || fail "valid licence refused: $(cat "$TMP/out")"
cli 'interface tunnel ipsec:t11' >/dev/null || fail "the 11th tunnel was refused with a 1000-tunnel licence"
"$ERXSH" --dir "$r" -c 'show license ipsec-tunnels' > "$TMP/show"
grep -q "LAB-0001 (1000 tunnels, issued 2026-11-26)" "$TMP/show" || fail "show license: $(cat "$TMP/show")"
grep -q "Tunnels in use: *11$" "$TMP/show" || fail "show license counts: $(cat "$TMP/show")"
grep -qF "$key1000" "$TMP/show" && fail "show license printed the whole key"

# --- bad keys are refused and the old licence stays
flipped=$(printf '%s' "$key1000" | awk '{ c = substr($0, 20, 1); printf "%s%s%s", substr($0, 1, 19), (c == "A" ? "B" : "A"), substr($0, 21) }')
"$MINT" --new-signer "$TMP/other" >/dev/null 2>&1
wrong=$("$MINT" --signing-key "$TMP/other/"*private* --tunnels 5000 --id EVIL-1 2>/dev/null)
for bad in "$flipped" "$wrong" "${key1000:0:40}" "not-a-licence"; do
  if cli "license ipsec-tunnels $bad" > "$TMP/out"; then fail "bad licence accepted: $bad"; fi
  grep -q '^% ' "$TMP/out" || fail "no message for a bad licence"
done
grep -qi "signature\|tampered" "$TMP/out" "$TMP/out" || true
has "LAB-0001" "$ERXSH" --dir "$r" -c 'show license ipsec-tunnels' || fail "the old licence did not stay"

# --- removing the licence, or a smaller one, while more tunnels exist: refused naming the count
if cli 'no license ipsec-tunnels' > "$TMP/out"; then fail "no license accepted with 11 tunnels"; fi
grep -q "11 tunnels are configured" "$TMP/out" || fail "no-licence refusal text: $(cat "$TMP/out")"
key2000=$("$MINT" --tunnels 2000 --id LAB-0002 2>/dev/null)
cli "license ipsec-tunnels $key2000" >/dev/null || fail "2000-tunnel licence refused"
tunnels 12 1001
[ "$(configured)" = 1001 ] || fail "expected 1001 tunnels, got $(configured)"
if cli "license ipsec-tunnels $key1000" > "$TMP/out"; then fail "smaller licence accepted with 1001 tunnels"; fi
grep -q "1001 tunnels are configured" "$TMP/out" || fail "smaller-licence refusal text: $(cat "$TMP/out")"
[ "$(maximum)" = 2000 ] || fail "maximum changed by a refused licence"

# --- the licence survives a restart of every service
"$ROUTER" stop --dir "$r" >/dev/null
"$ROUTER" start --name host1 --dir "$r" --bin "$ERX_BIN" --netns "erx$$-r-host1" >/dev/null || fail "router did not restart"
[ "$(maximum)" = 2000 ] || fail "licence lost across restarts"
[ "$(in_use)" = 1001 ] || fail "count after restart: $(in_use)"

# --- licensed down: creations refused, everything else works; back: recounted
"$ROUTER" kill --dir "$r" --service licensed >/dev/null
sleep 3.5   # configd notices the silence
if cli 'interface tunnel ipsec:down1' > "$TMP/out"; then fail "tunnel created while licensed was down"; fi
grep -q "licence service unavailable" "$TMP/out" || fail "licensed-down message: $(cat "$TMP/out")"
cli 'interface tunnel ipsec:t5' 'tunnel mtu 1600' 'exit' 'ipsec transform-set while-down esp-des' >/dev/null ||
  fail "the CLI did not keep working with licensed down"
"$ROUTER" restart --dir "$r" --service licensed >/dev/null
for _ in $(seq 50); do [ "$(in_use)" = 1001 ] && break; sleep 0.1; done
[ "$(in_use)" = 1001 ] || fail "licensed did not recount: $(in_use)"
cli 'interface tunnel ipsec:after' >/dev/null || fail "creation refused after licensed returned"

# --- chassis ceiling: a 5000 licence on an erx-310 gives 2000
r310=$(start_router r310 --chassis erx-310)
key5000=$("$MINT" --tunnels 5000 --id LAB-5000 2>/dev/null)
"$ERXSH" --dir "$r310" -c 'configure terminal' -c "license ipsec-tunnels $key5000" >/dev/null || fail "5000 licence refused on erx-310"
"$ERXSH" --dir "$r310" -c 'show license ipsec-tunnels' > "$TMP/show310"
grep -q "Chassis: *erx-310 (ceiling 2000 tunnels)" "$TMP/show310" || fail "erx-310: $(cat "$TMP/show310")"
grep -q "Maximum tunnels: *2000" "$TMP/show310" || fail "5000 licence on erx-310 is not 2000"

# --- the licence file removed: the configuration is kept whole, extras blocked
"$ERXSH" --dir "$r" -c 'show configuration' > "$TMP/config.before"
"$ROUTER" stop --dir "$r" >/dev/null
rm "$r/state/license"
"$ROUTER" start --name host1 --dir "$r" --bin "$ERX_BIN" --netns "erx$$-r-host1" >/dev/null || fail "router did not restart"
for _ in $(seq 50); do has "Blocked by licence" "$ERXSH" --dir "$r" -c 'show license ipsec-tunnels' && break; sleep 0.1; done
"$ERXSH" --dir "$r" -c 'show license ipsec-tunnels' > "$TMP/show"
grep -q "Blocked by licence: *992 tunnels" "$TMP/show" || fail "blocked count: $(cat "$TMP/show")"
"$ERXSH" --dir "$r" -c 'show configuration' > "$TMP/config.after"
diff -q "$TMP/config.before" "$TMP/config.after" >/dev/null || fail "configuration changed when the licence went away"
has "992 blocked by licence" "$ERXSH" --dir "$r" -c 'show ipsec tunnel summary' || fail "summary does not show blocked tunnels"
"$ERXSH" --dir "$r" -c 'show ipsec tunnel' | grep -c " blocked$" | grep -qx 992 || fail "show ipsec tunnel does not mark blocked tunnels"
echo "license: ok"
