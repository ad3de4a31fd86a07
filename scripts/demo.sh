#!/bin/sh
# The main job on an embedded default: installs what is needed, builds, then
#  1. publishes the demo app as 1.0.0 and 1.1.0 into a signed repository with
#     bomiot-release (1.1.0 also as patches of 1.0.0's tar, BSDIFF40 and zstd);
#  2. serves it at http://localhost:8000/updates, the launcher's default
#     BOMIOT_UPDATE_URL (another free port if 8000 is taken);
#  3. lays out an installation of 1.0.0 as an installer would (build/demo/install);
#  4. starts it through the launcher, as a double-click would: the splash shows
#     the check, the launcher rebuilds 1.0.0's tar from its folder (no
#     installer leaves it) and checks it against the signed hash, the zstd
#     patch is downloaded and applied, 1.1.0 starts.
# With no display, the splash runs on Xvfb and a screenshot is saved as
# build/demo/splash.png. Everything it makes stays under build/demo.
set -eu
cd "$(dirname "$0")/.."
./scripts/deps.sh
cmake -S . -B build/gcc -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_C_COMPILER=gcc >/dev/null
cmake --build build/gcc -j "$(nproc)"

build=build/gcc
demo=build/demo
release="$build/tools/bomiot-release"
rm -rf "$demo"
mkdir -p "$demo/apps"
demo=$(cd "$demo" && pwd)

# The demo app: the test app as `bomiot`, plus 30 MB of data of which a
# release changes a few bytes, as a real release changes a few files.
make_app() { # $1 = version
  dir="$demo/apps/bomiot-$1"
  mkdir -p "$dir"
  cp "$build/tests/bl-testapp" "$dir/bomiot"
  echo "$1" > "$dir/version.txt"
  echo "--sleep=2500" > "$dir/extra-args.txt" # stays up a moment, as a real app does
  python3 - "$dir/data.bin" "$1" <<'EOF'
import random, sys
data = bytearray(random.Random(1).randbytes(30 * 1000 * 1000))
change = random.Random(sys.argv[2])
for _ in range(20):
    at = change.randrange(len(data) - 64)
    data[at:at + 32] = change.randbytes(32)
open(sys.argv[1], "wb").write(data)
EOF
}

echo "== 1. publish 1.0.0 and 1.1.0 with bomiot-release"
make_app 1.0.0
make_app 1.1.0
cd "$demo"
"$OLDPWD/$release" init --app bomiot
"$OLDPWD/$release" add apps/bomiot-1.0.0 1.0.0
"$OLDPWD/$release" add apps/bomiot-1.1.0 1.1.0
"$OLDPWD/$release" verify
cd "$OLDPWD"

echo
echo "== 2. serve the repository"
mkdir -p "$demo/www"
ln -s ../repository "$demo/www/updates"
port=$(python3 - <<'EOF'
import socket
for port in [8000] + list(range(8001, 8100)):
    s = socket.socket()
    try:
        s.bind(("127.0.0.1", port))
        print(port)
        break
    except OSError:
        pass
    finally:
        s.close()
EOF
)
python3 -m http.server "$port" --bind 127.0.0.1 --directory "$demo/www" >"$demo/http.log" 2>&1 &
server=$!
xvfb=""
shot=""
cleanup() {
  kill "$server" 2>/dev/null || true
  [ -z "$xvfb" ] || kill "$xvfb" 2>/dev/null || true
}
trap cleanup EXIT INT TERM
if [ "$port" != 8000 ]; then
  echo "(port 8000 is taken: serving on $port instead)"
  export BOMIOT_UPDATE_URL="http://localhost:$port/updates"
fi
echo "serving $demo/repository at http://localhost:$port/updates"
python3 - "$port" <<'EOF'
import sys, time, urllib.request
for _ in range(50):
    try:
        urllib.request.urlopen(f"http://127.0.0.1:{sys.argv[1]}/updates/metadata/root.json", timeout=1)
        break
    except OSError:
        time.sleep(0.1)
EOF

echo
echo "== 3. install 1.0.0 as an installer would"
inst="$demo/install"
mkdir -p "$inst/versions/1.0.0" "$inst/resources"
cp "$build/launcher/bomiot-launcher" "$build"/launcher/bomiot-*.so "$inst/" # with its modules
cp "$build/launcher/resources/"* "$inst/resources/"
cp "$demo/repository/metadata/1.root.json" "$inst/resources/root.json" # the trusted root
tar -xzf "$demo/repository/targets/bomiot-1.0.0.tar.gz" -C "$inst/versions/1.0.0"
echo '{"version": "1.0.0"}' > "$inst/versions/1.0.0/.bomiot-complete" # written last
echo '{"splash_linger_ms": 1500}' > "$inst/launcher.json"
ls "$inst" "$inst/versions"

echo
echo "== 4. start it: $inst/bomiot-launcher hello world"
if [ -z "${DISPLAY:-}" ] && [ -z "${WAYLAND_DISPLAY:-}" ] && command -v Xvfb >/dev/null; then
  for n in 90 91 92 93 94 95 96 97 98 99; do
    [ -e "/tmp/.X11-unix/X$n" ] || [ -e "/tmp/.X$n-lock" ] || break
  done
  Xvfb ":$n" -screen 0 1280x800x24 >/dev/null 2>&1 &
  xvfb=$!
  export DISPLAY=":$n"
  sleep 0.5
  echo "(no display: the splash runs on Xvfb $DISPLAY; screenshot in $demo/splash.png)"
  (sleep 1.2 && import -window root "$demo/splash.png" 2>/dev/null) &
  shot=$!
fi
status=0
"$inst/bomiot-launcher" hello world || status=$?
echo "(exit status $status)"
[ -z "$shot" ] || wait "$shot" 2>/dev/null || true

echo
echo "== what happened: $inst/cache/update.log"
cat "$inst/cache/update.log"
echo
echo "== the repository's requests"
grep -o '"GET [^"]*"' "$demo/http.log" || true
echo
if grep -q "installed 1.1.0" "$inst/cache/update.log" && grep -q "patch(es) (zstd)" "$inst/cache/update.log" &&
   [ "$status" = 0 ]; then
  echo "demo: 1.0.0 was updated to 1.1.0 by a $(stat -c %s "$demo/repository/targets/bomiot-1.1.0.zpatch")-byte" \
       "zstd-format patch (the BSDIFF40 one beside it, for tufup clients and older launchers:" \
       "$(stat -c %s "$demo/repository/targets/bomiot-1.1.0.patch") bytes)" \
       "instead of the $(stat -c %s "$demo/repository/targets/bomiot-1.1.0.tar.gz")-byte archive, and 1.1.0 started."
else
  echo "demo: the update did not happen as expected; see the log above" >&2
  exit 1
fi
# SPDX-License-Identifier: Apache-2.0
