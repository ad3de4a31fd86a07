#!/bin/sh
# CMAKE_CROSSCOMPILING_EMULATOR of the Windows build: ctest runs each test .exe
# through this. tests/windows/run.sh makes the Wine prefix; a test never falls
# back on the user's ~/.wine.
set -eu
if [ -z "${WINEPREFIX:-}" ]; then
  echo "wine.sh: WINEPREFIX is not set: run the Windows tests with tests/windows/run.sh" >&2
  exit 2
fi
export WINEDEBUG="${WINEDEBUG:--all}"
exec "$(command -v wine64 || command -v wine)" "$@"
# SPDX-License-Identifier: Apache-2.0
