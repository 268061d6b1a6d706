#!/usr/bin/env bash
# The seed chapter typed into a fresh router gives the seed's prompts and the
# expected configuration, which survives a kill -9 of configd.
# shellcheck source=tests/integration/lib.sh
source "$(dirname "$0")/lib.sh"
here=$(cd "$(dirname "$0")" && pwd)
r=$(start_router host1)

set +e
"$ERXSH" --dir "$r" -f "$here/seed.cli" > "$TMP/out.raw"
rc=$?
set -e
# exactly one line is refused: the seed's sample masked key from another router
[ "$rc" -eq 1 ] || fail "erxsh exit status $rc, expected 1 (one refused line)"
normalize < "$TMP/out.raw" > "$TMP/out"
diff -u "$here/seed.expected" "$TMP/out" || fail "seed transcript differs from seed.expected"
# the clear key appears only where the operator typed it, never in output or on disk
if grep -v '^host1(config-manual-key)#key customerASecret$' "$TMP/out.raw" | grep -q customerASecret; then
  fail "clear key in show output"
fi
if grep -rq customerASecret "$r/state" "$r/log"; then fail "clear key on disk or in a log"; fi

"$ERXSH" --dir "$r" -c 'show configuration' > "$TMP/before"
"$ROUTER" restart --dir "$r" --service configd --kill >/dev/null
"$ERXSH" --dir "$r" -c 'show configuration' > "$TMP/after"
diff -u "$TMP/before" "$TMP/after" || fail "configuration changed across kill -9 of configd"
# show configuration fed to a fresh configd of the same installation (same
# master key) gives the same configuration
mkdir -p "$TMP/host2/state"
cp -p "$r/state/master.key" "$TMP/host2/state/"
r2=$(start_router host2)
{ echo "configure terminal"; tail -n +2 "$TMP/after"; } | "$ERXSH" --dir "$r2" -f - > "$TMP/load2" || fail "reloading show configuration was refused: $(grep -A2 '^%' "$TMP/load2")"
"$ERXSH" --dir "$r2" -c 'show configuration' | sed 's/^host2#/host1#/' > "$TMP/after2"
diff -u "$TMP/after" "$TMP/after2" || fail "show configuration does not round-trip"
# a configuration whose master key is gone is not silently started empty
"$ROUTER" stop --dir "$r" >/dev/null
mv "$r/state/master.key" "$TMP/master.key.away"
if "$ROUTER" start --name host1 --dir "$r" --bin "$ERX_BIN" --netns "erx$$-r-host1" >/dev/null; then
  fail "configd started without the master key of its configuration"
fi
grep -q "no master.key" "$r/log/configd.log" || fail "no clear message about the missing master key"
"$ROUTER" stop --dir "$r" >/dev/null
mv "$TMP/master.key.away" "$r/state/master.key"
"$ROUTER" start --name host1 --dir "$r" --bin "$ERX_BIN" --netns "erx$$-r-host1" >/dev/null || fail "configd did not start with its master key back"
"$ERXSH" --dir "$r" -c 'show configuration' > "$TMP/after3"
diff -u "$TMP/after" "$TMP/after3" || fail "configuration changed across the missing-master-key episode"
echo "seed: ok"
