#!/usr/bin/env bash
# The test command (README, .ci/run): installs missing packages, builds and
# tests a normal tree (build/) and an AddressSanitizer tree (build-asan/) with
# every CTest label, then builds the libFuzzer targets (build-fuzz/) and runs
# each for a while.  Exits non-zero on any failure, with a one-line summary.
#   --fast   normal tree only (no ASan, no fuzzing), for developers
# shellcheck disable=SC2317 # the build and run functions are called through step()
set -euo pipefail

FUZZ_SECONDS=30
root=$(cd "$(dirname "$0")/.." && pwd -P)
cd "$root"

fast=0
for arg in "$@"; do
  case $arg in
    --fast) fast=1 ;;
    -h | --help) sed -n '2,6p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "test.sh: unknown argument '$arg' (--fast, --help)" >&2; exit 2 ;;
  esac
done

jobs=$(nproc 2>/dev/null || echo 2)
summary=()
failed=0

# step NAME COMMAND...: runs it, records NAME ok/FAILED.  Returns its status.
step() {
  local name=$1
  shift
  echo "==== $name"
  if "$@"; then
    summary+=("$name ok")
    return 0
  fi
  summary+=("$name FAILED")
  failed=1
  return 1
}

build_tree() {
  local dir=$1
  shift
  cmake -S "$root" -B "$root/$dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo "$@" && cmake --build "$root/$dir" -j "$jobs"
}

test_tree() {
  ctest --test-dir "$root/$1" --output-on-failure -j2
}

# Every target named fuzz_* (fuzz_cli_match first among them), so a new
# fuzz target is built and run without touching this script.
build_fuzz() {
  CC=clang cmake -S "$root" -B "$root/build-fuzz" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DERX_FUZZ=ON || return 1
  local targets
  targets=$(cmake --build "$root/build-fuzz" --target help | sed -n 's/^\.\.\. \(fuzz_[A-Za-z0-9_]*\).*/\1/p' | sort -u)
  [[ -n $targets ]] || { echo "no fuzz_* targets in build-fuzz" >&2; return 1; }
  # shellcheck disable=SC2086 # one word per target
  cmake --build "$root/build-fuzz" -j "$jobs" --target $targets
}

# The corpus is copied: libFuzzer adds to the directory it is given, and the
# checkout must stay as it was.  Crash inputs land in build-fuzz/artifacts/.
run_fuzzer() {
  local bin=$1 name corpus rc=0
  name=$(basename "$bin")
  corpus=$(mktemp -d)
  if [[ -d $root/fuzz/corpus/${name#fuzz_} ]]; then
    cp -a "$root/fuzz/corpus/${name#fuzz_}/." "$corpus/"
  fi
  mkdir -p "$root/build-fuzz/artifacts"
  (cd "$corpus" && "$bin" -max_total_time="$FUZZ_SECONDS" -timeout=10 -print_final_stats=1 \
    -artifact_prefix="$root/build-fuzz/artifacts/$name-" "$corpus") || rc=$?
  rm -rf "$corpus"
  return "$rc"
}

step deps "$root/scripts/install-deps.sh" || { echo "test.sh: FAILED (dependencies)"; exit 1; }

if step build build_tree build; then
  step tests test_tree build || true
fi

if ((!fast)); then
  if step asan-build build_tree build-asan -DERX_SANITIZE=ON; then
    step asan-tests test_tree build-asan || true
  fi
  if step fuzz-build build_fuzz; then
    # bin/ is where every target lands by default; fuzz/CMakeLists.txt may
    # send them to fuzz/ instead.
    shopt -s nullglob
    fuzzers=("$root"/build-fuzz/bin/fuzz_* "$root"/build-fuzz/fuzz/fuzz_*)
    shopt -u nullglob
    if ((${#fuzzers[@]} == 0)); then
      summary+=("fuzz FAILED (no build-fuzz/bin/fuzz_*)")
      failed=1
    fi
    for f in "${fuzzers[@]}"; do
      [[ -f $f && -x $f ]] || continue
      step "$(basename "$f")" run_fuzzer "$f" || true
    done
  fi
fi

result=passed
((failed == 0)) || result=FAILED
line=$(IFS=','; echo "${summary[*]}")
echo "test.sh: $result (${line//,/, })"
exit "$failed"
