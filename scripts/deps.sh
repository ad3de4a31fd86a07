#!/bin/sh
# Installs everything the build, the tests and the demo need on Debian 12 (as root).
set -eu
PACKAGES="
  build-essential cmake pkg-config git python3 clang libclang-rt-14-dev
  libuv1-dev libcjson-dev libsodium-dev libcurl4-openssl-dev libssl-dev libarchive-dev zlib1g-dev
  libbz2-dev libzstd-dev libdivsufsort-dev libsdl2-dev libsdl2-ttf-dev libsdl2-image-dev fonts-dejavu-core
  libfontconfig-dev fonts-wqy-microhei
  bsdiff xvfb x11-apps x11-utils imagemagick xdotool python3-securesystemslib valgrind
  desktop-file-utils shellcheck nginx-light openssl curl rsync nsis gcc-mingw-w64-x86-64 p7zip-full
  wine wine64 autoconf automake libtool dpkg-dev
  e2fsprogs mount tinyproxy-bin gettext
"
missing=""
for p in $PACKAGES; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
if [ -n "$missing" ]; then
  echo "deps: installing$missing"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  # shellcheck disable=SC2086
  apt-get install -y -qq --no-install-recommends $missing
fi
# npm fetches the real programs test_real_app publishes (esbuild's releases);
# a machine that has Node.js and npm already keeps its own.
if ! command -v npm >/dev/null 2>&1; then
  echo "deps: installing npm"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends npm
fi
# SPDX-License-Identifier: Apache-2.0
