#!/bin/sh
# tests/fuzz/run.sh [seconds-for-patch] [seconds-for-others]
# Builds every libFuzzer target (clang, -DBL_FUZZ=ON, ASan + UBSan) in its own
# build directory and runs each for a bounded time from its seed corpus in
# tests/fuzz/corpus/<name>/ (read only; new inputs go to the build directory).
# Fails if any target crashes, leaks, hangs (one input over 25 s) or runs out
# of memory; the input that did it is left in $build/crashes/ to become a
# regression test. Defaults: the patch readers (BSDIFF40, zstd) 60 s each, the others 15 s each.
set -eu
cd "$(dirname "$0")/../.."
patch_seconds=${1:-60}
other_seconds=${2:-15}
build=${BL_FUZZ_BUILD:-build/fuzz}

cmake -S . -B "$build" -DCMAKE_C_COMPILER=clang -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DBL_FUZZ=ON -DBL_TESTS=OFF -DBL_SPLASH=OFF >/dev/null
cmake --build "$build" -j "$(nproc)" --target bl_fuzz

mkdir -p "$build/crashes"
failed=""
for name in patch patch_zstd metadata config state unpack_names version catalog sdk_json; do
  case $name in patch*) seconds=$patch_seconds ;; *) seconds=$other_seconds ;; esac
  work="$build/corpus/$name"
  seeds="tests/fuzz/corpus/$name"
  mkdir -p "$work" "$seeds"
  echo "== fuzz_$name for ${seconds}s =="
  if ! ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
      "$build/tests/fuzz/fuzz_$name" -max_total_time="$seconds" -timeout=25 \
      -rss_limit_mb=2048 -print_final_stats=1 -artifact_prefix="$build/crashes/$name-" \
      "$work" "$seeds" >"$build/fuzz_$name.log" 2>&1; then
    tail -n 60 "$build/fuzz_$name.log"
    failed="$failed $name"
  fi
  grep -E "^stat::number_of_executed_units|^stat::peak_rss_mb" "$build/fuzz_$name.log" || true
done
if [ -n "$failed" ]; then
  echo "fuzz: crashes in:$failed (inputs in $build/crashes/)" >&2
  exit 1
fi
echo "fuzz: no crashes"
# SPDX-License-Identifier: Apache-2.0
