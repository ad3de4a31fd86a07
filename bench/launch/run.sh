#!/bin/sh
# bench/launch: the wait from starting a command to the app's first
# instruction, for the app started directly and through the launcher in both
# modes, and for the least an exec-ing launcher costs: bench-exec-floor, a
# program that only execs the app, and bench-exec-floor-json, which first
# reads launcher.json and state.json with cJSON, takes a lock and logs a
# line. Usage: bench/launch/run.sh [RUNS] (default 2000)
# The raw record (bench/record.py: commit, command, UTC start and end,
# machine, load, bench-launch's output) goes to bench/results/<stamp>-launch.txt;
# bench/table.py makes RESULTS.md's table from it.
set -eu
self=$(readlink -f "$0")
cd "$(dirname "$0")/../.."
runs=${1:-2000}
build=build/bench
cmake -S . -B $build -DCMAKE_BUILD_TYPE=Release -DBL_TESTS=ON >/dev/null
cmake --build $build -j "$(nproc)" --target bomiot-launcher bl-testapp bench-launch bench-exec-floor \
  bench-exec-floor-json >/dev/null

make_root() { # $1 = folder, $2 = mode
  rm -rf "$1"
  mkdir -p "$1/versions/1.0.0"
  cp $build/launcher/bomiot-launcher $build/launcher/bomiot-*.so "$1/"
  cp $build/bench/launch/bench-exec-floor $build/bench/launch/bench-exec-floor-json "$1/"
  cp $build/tests/bl-testapp "$1/versions/1.0.0/bomiot"
  echo '{"version": "1.0.0"}' > "$1/versions/1.0.0/.bomiot-complete"
  echo "{\"current\": \"1.0.0\"}" > "$1/state.json"
  # No update check at launch: this measures the launcher itself (a check's
  # cost, a module load and a round trip, is in the splash's benchmark).
  echo "{\"mode\": \"$2\", \"update_at_launch\": false}" > "$1/launcher.json"
}
tmp=$(mktemp -d)
make_root "$tmp/supervise" supervise
make_root "$tmp/exec" exec
rec=$(python3 bench/record.py begin launch -- "$self" "$@")
$build/bench/launch/bench-launch "$runs" \
  "direct=$tmp/exec/versions/1.0.0/bomiot" \
  "floor=$tmp/exec/bench-exec-floor" \
  "floor-json=$tmp/exec/bench-exec-floor-json" \
  "exec=$tmp/exec/bomiot-launcher" \
  "supervise=$tmp/supervise/bomiot-launcher" > "$tmp/out.txt"
cat "$tmp/out.txt"
python3 bench/record.py section "$rec" bench-launch < "$tmp/out.txt"
python3 bench/record.py end "$rec"
rm -rf "$tmp"
echo "record: $rec (table: bench/table.py $rec)" >&2
# SPDX-License-Identifier: Apache-2.0
