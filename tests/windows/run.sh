#!/bin/sh
# The Windows part of the suite: cross-compiles the whole project for 64-bit
# Windows (mingw-w64, dependencies from installer/windows/deps.sh), then runs
# its tests under Wine in a Wine prefix made for this run and removed after it:
# the unit tests as .exe files (CMAKE_CROSSCOMPILING_EMULATOR, wine.sh), and the
# integration tests registered for Windows (tests/integration/test_windows_*.py:
# launch, install/switch, rollback, self-update, the NSIS installer, the
# update at launch, the app's --status, --check and restart code).
#
#   tests/windows/run.sh [build-dir] [ctest args...]      (default build/mingw)
#
# Exits 77 (skipped, as ctest's SKIP_RETURN_CODE) with a line
# "windows: SKIPPED: <why>" only when Wine cannot run a Windows program on this
# machine at all; any other failure fails.
set -eu
cd "$(dirname "$0")/../.."
build=${1:-build/mingw}
[ $# -gt 0 ] && shift
jobs=${BL_JOBS:-2}

wine_bin=$(command -v wine64 || command -v wine || true)
if [ -z "$wine_bin" ]; then
  echo "windows: SKIPPED: no wine on this machine (apt-get install wine64)"
  exit 77
fi

# The splash (SDL2, SDL2_ttf, SDL2_image linked statically) is part of the
# Windows build; BL_MINGW_SPLASH=0 builds and tests a launcher without it.
splash=${BL_MINGW_SPLASH:-1}
export BL_MINGW_SPLASH="$splash"
if [ "$splash" = 1 ]; then bl_splash=ON; else bl_splash=OFF; fi
prefix=$(installer/windows/deps.sh)
# A build folder configured against another prefix keeps that prefix's
# pkg-config answers in its cache (include and library paths): start it over.
# (BL_MINGW_PREFIX itself follows -D; UV_INCLUDEDIR and the like do not.)
if [ -f "$build/CMakeCache.txt" ] && [ "$(cat "$build/.bl-mingw-prefix" 2>/dev/null)" != "$prefix" ]; then
  echo "windows: $build was configured for other dependencies; configuring it afresh"
  rm -rf "$build"
fi
cmake -S . -B "$build" -DCMAKE_TOOLCHAIN_FILE=installer/windows/mingw-toolchain.cmake \
  -DBL_MINGW_PREFIX="$prefix" -DBL_SPLASH=$bl_splash -DBL_WERROR=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
echo "$prefix" >"$build/.bl-mingw-prefix"
nice cmake --build "$build" -j "$jobs"

# The run's Wine session has no display, whatever the caller's desktop: its
# desktop process (explorer.exe, started by the first program) loads a null
# display driver, so no test opens windows on a developer's screen.
# test_windows_splash makes its own session on an Xvfb for the splash.
unset DISPLAY WAYLAND_DISPLAY
# One Wine prefix per run: nothing carries over from an earlier run or a
# user's ~/.wine, and it is gone afterwards.
WINEPREFIX=$(mktemp -d "${TMPDIR:-/tmp}/bl-wine-XXXXXX")
export WINEPREFIX WINEDEBUG=-all WINEDLLOVERRIDES="mscoree,mshtml="
wineserver=$(command -v wineserver || echo /usr/lib/wine/wineserver)
cleanup() {
  WINEPREFIX=$WINEPREFIX "$wineserver" -k 2>/dev/null || true
  rm -rf "$WINEPREFIX"
}
trap cleanup EXIT INT TERM
start=$(date +%s)
if ! "$wine_bin" wineboot -i >/dev/null 2>&1; then
  echo "windows: SKIPPED: wine cannot start here ($wine_bin wineboot -i failed)"
  exit 77
fi
"$wineserver" -w
echo "windows: Wine prefix $WINEPREFIX ready in $(($(date +%s) - start)) s"
# A persistent wineserver for the run, so each test does not start one, and
# Wine's own services started now, with no pipe of ctest's: the first Windows
# program starts them, they inherit its stdout, and ctest would wait for that
# pipe to close until the test timed out.
"$wineserver" -p
"$wine_bin" cmd /c exit 0 </dev/null >/dev/null 2>&1
(cd "$build" && ctest --output-on-failure "$@")
# SPDX-License-Identifier: Apache-2.0
