#!/usr/bin/env bash
# Golden transcripts: each tests/cli/NAME.cli typed into a fresh router must
# print exactly tests/cli/NAME.out (masked keys shown as <masked>).
# `golden.sh --update` rewrites the .out files after a deliberate change.
# shellcheck source=tests/integration/lib.sh
source "$(dirname "$0")/lib.sh"
dir=$(cd "$(dirname "$0")/../cli" && pwd)
update=0
[ "${1:-}" = "--update" ] && update=1
failed=0
for cli in "$dir"/*.cli; do
  name=$(basename "$cli" .cli)
  r=$(start_router "$name")
  "$ERXSH" --dir "$r" -f "$cli" | normalize > "$TMP/$name.out" || true
  "$ROUTER" stop --dir "$r" >/dev/null
  if [ "$update" = 1 ]; then
    cp "$TMP/$name.out" "$dir/$name.out"
  elif ! diff -u "$dir/$name.out" "$TMP/$name.out"; then
    echo "golden: $name differs" >&2
    failed=1
  fi
done
[ "$failed" = 0 ] || fail "golden transcripts differ"
n=("$dir"/*.cli)
echo "golden: ok (${#n[@]} transcripts)"
