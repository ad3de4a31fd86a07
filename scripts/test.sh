#!/bin/sh
# Runs every test: installs what is needed, then builds and runs the whole
# suite twice, with gcc (warnings as errors) and with clang under
# AddressSanitizer + UndefinedBehaviorSanitizer, builds once more as Release
# (-O3: its warnings differ, and the benchmarks build so), fuzzes, and runs the Windows
# build's tests under Wine. A failed step does not stop the later ones (a
# failed build does); the run ends with a summary of every step: passed,
# failed, skipped, and each skip with its reason (scripts/test_summary.py).
#
# This is the machine the README's tests are promised on (Debian 12, with
# everything scripts/deps.sh installs): a test that skips here did not run,
# and fails the run, unless it is allowed below.
set -eu
cd "$(dirname "$0")/.."

# Skips that are right on this machine, each as an --allow with the reason
# beside it, e.g.  set -- "$@" --allow "asan:test_x Class.test_y"  # why
# (an entry is "<test>" or "<test> <case>", optionally "<step>:" first; steps:
# gcc, asan, fuzz, windows). Empty, and best kept so: a test that cannot run
# in a build is not registered in it (tests/CMakeLists.txt).
set --

./scripts/deps.sh
jobs=$(nproc)

# The Windows dependencies take about ten minutes to build on a new machine
# (cached afterwards); much of the Linux suite waits on servers, timers and
# processes, so they build meanwhile, at low priority.
mkdir -p build
win_deps=""
if command -v wine64 >/dev/null 2>&1 || command -v wine >/dev/null 2>&1; then
  echo "== Windows dependencies: building in the background (build/windows-deps.log) =="
  nice -n 15 installer/windows/deps.sh >build/windows-deps.log 2>&1 &
  win_deps=$!
fi

# ctest in build folder $2 with the environment's additions after it
# (VAR=value ...), its results as step $1 of the summary. The output of
# passed tests is kept whole in the JUnit file: their "SKIPPED:" lines come last.
run_ctest() {
  step=$1 dir=$2
  shift 2
  rm -f "$dir/junit.xml"
  (cd "$dir" && env "$@" ctest --output-on-failure -j "$jobs" --output-junit junit.xml \
    --test-output-size-passed 16000000) || true
  junit_files="$junit_files $step=$dir/junit.xml"
}
junit_files=""

echo "== gcc build (-Werror) =="
cmake -S . -B build/gcc -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_C_COMPILER=gcc >/dev/null
cmake --build build/gcc -j "$jobs"
run_ctest gcc build/gcc

echo "== gcc Release build (-O3 -Werror, what bench/ builds; no tests) =="
cmake -S . -B build/release -DCMAKE_BUILD_TYPE=Release -DCMAKE_C_COMPILER=gcc -DBL_TESTS=OFF >/dev/null
cmake --build build/release -j "$jobs"

echo "== clang build with ASan + UBSan =="
cmake -S . -B build/asan -DCMAKE_BUILD_TYPE=Debug -DCMAKE_C_COMPILER=clang -DBL_SANITIZE=ON >/dev/null
cmake --build build/asan -j "$jobs"
run_ctest asan build/asan ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 UBSAN_OPTIONS=print_stacktrace=1

echo "== fuzzing: the patch reader 60 s, the other targets 15 s each =="
if ./tests/fuzz/run.sh 60 15; then
  set -- "$@" "fuzz=passed"
else
  set -- "$@" "fuzz=failed:a target crashed (inputs in build/fuzz/crashes)"
fi

echo "== Windows: mingw-w64 cross build, unit and Windows tests under Wine =="
rm -f build/mingw/junit.xml
if [ -n "$win_deps" ] && ! wait "$win_deps"; then
  cat build/windows-deps.log
  set -- "$@" "windows=failed:building the dependencies failed (build/windows-deps.log)"
else
  # run.sh exits 77 with a line "windows: SKIPPED: <why>" when Wine cannot run here.
  { status=0; ./tests/windows/run.sh build/mingw --output-junit junit.xml \
      --test-output-size-passed 16000000 || status=$?; echo "$status" >build/windows.status; } 2>&1 |
    tee build/windows.log
  status=$(cat build/windows.status)
  if [ "$status" = 77 ]; then
    why=$(sed -n 's/^windows: SKIPPED: //p' build/windows.log | head -n 1)
    set -- "$@" "windows=skipped:${why:-tests/windows/run.sh skipped}"
  elif [ -f build/mingw/junit.xml ]; then
    junit_files="$junit_files windows=build/mingw/junit.xml"
    # 8 is ctest's status when a test failed, which the JUnit file says.
    [ "$status" = 0 ] || [ "$status" = 8 ] ||
      set -- "$@" "windows-run=failed:tests/windows/run.sh exit status $status after its tests"
  else
    set -- "$@" "windows=failed:tests/windows/run.sh exit status $status before its tests ran"
  fi
fi

# The JUnit files' paths have no spaces: word splitting is meant.
# shellcheck disable=SC2086
exec python3 scripts/test_summary.py "$@" $junit_files
# SPDX-License-Identifier: Apache-2.0
