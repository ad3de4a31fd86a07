#!/bin/sh
# The main job on an embedded default: installs what is needed, builds, lays
# out a demo installation in build/demo (the launcher plus the demo app as
# version 1.0.0) and starts the app through the launcher, as an icon would.
set -eu
cd "$(dirname "$0")/.."
./scripts/deps.sh
cmake -S . -B build/gcc -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_C_COMPILER=gcc >/dev/null
cmake --build build/gcc -j "$(nproc)"

demo=build/demo
rm -rf "$demo"
mkdir -p "$demo/versions/1.0.0"
cp build/gcc/launcher/bomiot-launcher "$demo/"
cp build/gcc/tests/bl-testapp "$demo/versions/1.0.0/bomiot"
echo 1.0.0 > "$demo/versions/1.0.0/version.txt"
# The installer writes this marker last: only marked versions are ever started.
echo '{"version": "1.0.0"}' > "$demo/versions/1.0.0/.bomiot-complete"

echo "== $demo/bomiot-launcher --print-config"
"$demo/bomiot-launcher" --print-config
echo
echo "== $demo/bomiot-launcher hello world"
status=0
"$demo/bomiot-launcher" hello world || status=$?
echo "(exit status $status)"
echo
echo "== $demo/cache/update.log"
cat "$demo/cache/update.log"
