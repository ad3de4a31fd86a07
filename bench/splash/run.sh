#!/bin/sh
# bench/splash: the time from starting the launcher to the splash's first
# frame under Xvfb, and what the splash adds to a launch with nothing to
# update (app start with the splash on vs BOMIOT_SPLASH=false).
# Usage: bench/splash/run.sh [RUNS]   (default 40; BL_BENCH_BUILD picks the build folder)
# The raw record (bench/record.py: commit, command, UTC start and end, machine,
# load, each first frame, bench-launch's output) goes to
# bench/results/<stamp>-splash.txt; bench/table.py makes RESULTS.md's table from it.
set -eu
self=$(readlink -f "$0")
cd "$(dirname "$0")/../.."
runs=${1:-40}
build=${BL_BENCH_BUILD:-build/bench}
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Release -DBL_TESTS=ON >/dev/null
cmake --build "$build" -j 2 --target bomiot-launcher bl-testapp bl-splash-driver bench-launch bomiot-release \
  bl_splash_resources >/dev/null
rec=$(python3 bench/record.py begin splash -- "$self" "$@")
BL_BUILD_DIR="$PWD/$build" BL_SOURCE_DIR="$PWD" python3 bench/splash/bench_splash.py "$runs" "$rec"
python3 bench/record.py end "$rec"
echo "record: $rec (table: bench/table.py $rec)" >&2
# SPDX-License-Identifier: Apache-2.0
