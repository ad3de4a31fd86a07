#!/bin/sh
# Runs every test: installs what is needed, then builds and runs the whole
# suite twice, with gcc (warnings as errors) and with clang under
# AddressSanitizer + UndefinedBehaviorSanitizer.
set -eu
cd "$(dirname "$0")/.."
./scripts/deps.sh
jobs=$(nproc)

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
./tests/windows/run.sh build/mingw
