#!/bin/sh
# Runs every test: installs what is needed, then builds and runs the whole
# suite twice, with gcc (warnings as errors) and with clang under
# AddressSanitizer + UndefinedBehaviorSanitizer.
set -eu
cd "$(dirname "$0")/.."
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

echo "== gcc build (-Werror) =="
cmake -S . -B build/gcc -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_C_COMPILER=gcc >/dev/null
cmake --build build/gcc -j "$jobs"
(cd build/gcc && ctest --output-on-failure -j "$jobs")

echo "== clang build with ASan + UBSan =="
cmake -S . -B build/asan -DCMAKE_BUILD_TYPE=Debug -DCMAKE_C_COMPILER=clang -DBL_SANITIZE=ON >/dev/null
cmake --build build/asan -j "$jobs"
(cd build/asan && ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 UBSAN_OPTIONS=print_stacktrace=1 \
  ctest --output-on-failure -j "$jobs")

echo "== fuzzing: the patch reader 60 s, the other targets 15 s each =="
./tests/fuzz/run.sh 60 15

echo "== Windows: mingw-w64 cross build, unit and Windows tests under Wine =="
# Skipped (with a line saying so) only where Wine cannot run at all.
if [ -n "$win_deps" ] && ! wait "$win_deps"; then
  cat build/windows-deps.log
  echo "windows: building the dependencies failed (above)"
  exit 1
fi
./tests/windows/run.sh build/mingw
