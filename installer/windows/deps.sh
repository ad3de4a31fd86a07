#!/bin/sh
# Builds the launcher's dependencies for 64-bit Windows (static, mingw-w64)
# from Debian's own source packages and prints the prefix they went into:
#
#   prefix=$(installer/windows/deps.sh)
#   cmake -S . -B build/mingw -DCMAKE_TOOLCHAIN_FILE=installer/windows/mingw-toolchain.cmake \
#         -DBL_MINGW_PREFIX="$prefix"
#
# Debian ships no mingw builds of curl, libsodium, OpenSSL's libcrypto, cJSON,
# libuv, libarchive, bzip2, zstd or libdivsufsort, so each is cross-compiled here
# from `apt-get source` of this Debian release (Debian's patches applied). The
# prefix is ${XDG_CACHE_HOME:-~/.cache}/bomiot-mingw/<hash>, the hash covering
# the source versions, this script and the compiler: a second run finds it
# complete and prints it at once; a new Debian point release or a change here
# builds a fresh one beside it.
#
# The splash's libraries come too: SDL2 (video and events only: no audio,
# joystick, haptic or sensors), SDL2_ttf, SDL2_image, freetype and libpng.
# BL_MINGW_SPLASH=0 leaves them out (a prefix for -DBL_SPLASH=OFF; another
# hash). Needs root only to add the deb-src entry and install build tools the
# first time.
# Progress goes to stderr (and the build logs into <prefix>.build/); stdout is
# only the prefix.
set -eu

triplet=x86_64-w64-mingw32
here=$(cd "$(dirname "$0")" && pwd)
splash=${BL_MINGW_SPLASH:-1}
jobs=${BL_MINGW_JOBS:-2}
packages="zlib bzip2 libzstd libsodium openssl cjson libuv1 libarchive libdivsufsort curl"
if [ "$splash" = 1 ]; then
  packages="$packages libpng1.6 freetype libsdl2 libsdl2-ttf libsdl2-image"
fi

say() { echo "deps-mingw: $*" >&2; }
die() { say "$*"; exit 1; }

# --- Tools: the cross compiler and what the source packages' builds run.
need_tools="gcc-mingw-w64-x86-64 cmake make pkg-config dpkg-dev autoconf automake libtool"
missing=""
for p in $need_tools; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done

# --- A deb-src entry for this release, so `apt-get source` gives the same
# versions the Linux build links against.
srclist=/etc/apt/sources.list.d/bomiot-deb-src.sources
have_src() {
  apt-cache showsrc zlib 2>/dev/null | grep -q '^Package: zlib'
}
if ! have_src || [ -n "$missing" ]; then
  [ "$(id -u)" = 0 ] || die "needs root once: to add deb-src for bookworm and install:$missing"
  if ! have_src; then
    # shellcheck disable=SC1091
    codename=$(. /etc/os-release && echo "${VERSION_CODENAME:-bookworm}")
    say "adding deb-src for $codename ($srclist)"
    cat >"$srclist" <<EOF
# Source packages of this release, for installer/windows/deps.sh (added by it).
Types: deb-src
URIs: http://deb.debian.org/debian
Suites: $codename $codename-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb-src
URIs: http://deb.debian.org/debian-security
Suites: $codename-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOF
  fi
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >&2
  if [ -n "$missing" ]; then
    say "installing$missing"
    # shellcheck disable=SC2086
    apt-get install -y -qq --no-install-recommends $missing >&2
  fi
  have_src || die "apt-get showsrc still finds no zlib source: check $srclist"
fi

# --- The cache key: every source version (newest candidate, as apt-get source
# picks it), this script, the toolchain file, the compiler.
src_version() {
  # The highest version among the deb-src stanzas of that source package.
  apt-cache showsrc --only-source "$1" 2>/dev/null | sed -n 's/^Version: //p' | sort -V | tail -n 1
}
key_input=""
for p in $packages; do
  v=$(src_version "$p")
  [ -n "$v" ] || die "no source package '$p' in apt's lists"
  key_input="$key_input$p=$v
"
done
key_input="$key_input$(sha256sum "$0" "$here/mingw-toolchain.cmake" | cut -d' ' -f1)
$($triplet-gcc --version | head -n 1) splash=$splash"
hash=$(printf '%s' "$key_input" | sha256sum | cut -c1-16)
cache=${XDG_CACHE_HOME:-$HOME/.cache}/bomiot-mingw
prefix=$cache/$hash
if [ -f "$prefix/.complete" ]; then
  echo "$prefix"
  exit 0
fi

# --- A fresh build: sources and build trees in $prefix.build, then the
# prefix marked complete (an interrupted run starts over).
work=$prefix.build
rm -rf "$prefix" "$work"
mkdir -p "$prefix/bin" "$prefix/lib/pkgconfig" "$prefix/include" "$work/src"
log=$work/build.log
say "building for $triplet into $prefix (log: $log)"
start=$(date +%s)
printf '%s\n' "$key_input" >"$work/versions.txt"

# pkg-config that reads only the prefix, always in --static mode (each library
# brings its Windows system libraries).
cat >"$prefix/bin/pkg-config-static" <<EOF
#!/bin/sh
PKG_CONFIG_LIBDIR='$prefix/lib/pkgconfig' PKG_CONFIG_PATH= PKG_CONFIG_SYSROOT_DIR= exec pkg-config --static "\$@"
EOF
chmod +x "$prefix/bin/pkg-config-static"

# A CMake toolchain for the dependencies themselves (the project uses
# mingw-toolchain.cmake, which needs this prefix to exist).
deptc=$work/deps-toolchain.cmake
cat >"$deptc" <<EOF
set(CMAKE_SYSTEM_NAME Windows)
set(CMAKE_SYSTEM_PROCESSOR x86_64)
set(CMAKE_C_COMPILER $triplet-gcc)
set(CMAKE_CXX_COMPILER $triplet-g++)
set(CMAKE_RC_COMPILER $triplet-windres)
set(CMAKE_FIND_ROOT_PATH $prefix /usr/$triplet)
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)
EOF

export PKG_CONFIG="$prefix/bin/pkg-config-static"
export PKG_CONFIG_LIBDIR="$prefix/lib/pkgconfig" PKG_CONFIG_PATH=
export CFLAGS="-O2 -I$prefix/include" CPPFLAGS="-I$prefix/include" LDFLAGS="-L$prefix/lib"
run() { nice -n 10 "$@" >>"$log" 2>&1 || { tail -n 40 "$log" >&2; die "failed: $*"; }; }

fetch() { # $1 = source package; leaves its unpacked, patched tree's path in $srcdir
  # The newest version first; an older one of the same release if the mirror
  # no longer has it (a security update superseded between apt-get update
  # and now answers 404). versions.txt in the prefix says what was built.
  v=""
  for candidate in $(apt-cache showsrc --only-source "$1" | sed -n 's/^Version: //p' | sort -Vr); do
    if (cd "$work/src" && apt-get source -qq "$1=$candidate" >>"$log" 2>&1); then
      v=$candidate
      break
    fi
    say "apt-get source $1=$candidate failed; trying an older version"
  done
  [ -n "$v" ] || { tail -n 20 "$log" >&2; die "apt-get source $1 failed"; }
  echo "built $1=$v" >>"$work/versions.txt"
  upstream=${v#*:}
  upstream=${upstream%-*}
  srcdir=$work/src/$1-$upstream
  [ -d "$srcdir" ] || die "apt-get source $1: expected $srcdir"
}
cmake_build() { # $1 = source dir, then CMake options
  d=$1; shift
  run cmake -S "$d" -B "$d/_mingw" -DCMAKE_TOOLCHAIN_FILE="$deptc" -DCMAKE_BUILD_TYPE=Release \
    -DCMAKE_INSTALL_PREFIX="$prefix" -DCMAKE_INSTALL_LIBDIR=lib -DBUILD_SHARED_LIBS=OFF \
    -DCMAKE_POLICY_DEFAULT_CMP0077=NEW "$@"
  run cmake --build "$d/_mingw" -j "$jobs"
  run cmake --install "$d/_mingw"
}
configure_build() { # $1 = source dir, then configure options
  d=$1; shift
  # Some Debian sources are git snapshots without a generated configure
  # (libsodium); Debian's own build runs autoreconf too.
  [ -x "$d/configure" ] || (cd "$d" && run autoreconf -fi)
  (cd "$d" && run ./configure --host=$triplet --prefix="$prefix" --libdir="$prefix/lib" \
    --disable-shared --enable-static "$@")
  run make -C "$d" -j "$jobs"
  run make -C "$d" install
}
pc() { # $1 = name, $2 = version, $3 = Libs, $4 = Cflags extra
  cat >"$prefix/lib/pkgconfig/$1.pc" <<EOF
prefix=$prefix
libdir=\${prefix}/lib
includedir=\${prefix}/include
Name: $1
Description: $1 (static, mingw-w64)
Version: $2
Libs: -L\${libdir} $3
Cflags: -I\${includedir} ${4:-}
EOF
}
step() { say "$1 ($(($(date +%s) - start)) s)"; }

step zlib
fetch zlib
# Debian's zlib source drops win32/; zlib's own configure knows mingw by CHOST.
(cd "$srcdir" && CHOST=$triplet run ./configure --static --prefix="$prefix" --libdir="$prefix/lib")
run make -C "$srcdir" -j "$jobs" install

step bzip2
fetch bzip2
run make -C "$srcdir" CC=$triplet-gcc AR=$triplet-ar RANLIB=$triplet-ranlib CFLAGS="-O2 -D_FILE_OFFSET_BITS=64" libbz2.a
cp "$srcdir/libbz2.a" "$prefix/lib/"
cp "$srcdir/bzlib.h" "$prefix/include/"
pc bzip2 1.0.8 -lbz2

step libzstd
fetch libzstd
# The zstd patch format (launcher/delta/delta_zstd_*.c): compression for
# bomiot-release, decompression for the launcher. zstd's own lib/Makefile
# builds the static library single-threaded, as the project wants it (the
# delta reader runs its own threads, one zstd context each).
run make -C "$srcdir/lib" -j "$jobs" CC=$triplet-gcc AR=$triplet-ar CFLAGS="-O2" libzstd.a
cp "$srcdir/lib/libzstd.a" "$prefix/lib/"
cp "$srcdir/lib/zstd.h" "$srcdir/lib/zstd_errors.h" "$srcdir/lib/zdict.h" "$prefix/include/"
pc libzstd 1.5.4 -lzstd

step libsodium
fetch libsodium
configure_build "$srcdir" --disable-pie
# A static libsodium on Windows must be told so, or its headers ask for dllimport.
sed -i 's/^Cflags: \(.*\)$/Cflags: \1 -DSODIUM_STATIC/' "$prefix/lib/pkgconfig/libsodium.pc"

step libcrypto
fetch openssl
# libcrypto alone (TUF's ECDSA and RSA-PSS signatures, SHA-2 for the update
# module): its own Configure for mingw64, static, its assembly kept (gcc
# assembles it: no nasm), no engines, modules or tests, and none of the
# algorithms neither the launcher nor bomiot-release asks for. No config
# file read on its own (no-autoload-config): OPENSSLDIR is this prefix, which
# Windows reads as a folder under C:\ (C:\root\.cache\... here) that any
# local user may create, and its openssl.cnf would steer the launcher's
# crypto. Built and installed by hand: `make install_dev` would build libssl
# as well. About 3 minutes here (2 cores), 5.6 MB of libcrypto.a.
(cd "$srcdir" && run ./Configure mingw64 --cross-compile-prefix=$triplet- --prefix="$prefix" \
  --libdir=lib no-shared no-module no-engine no-dso no-autoload-config no-tests no-comp no-cms \
  no-ocsp no-ts no-srp no-ct no-cmp no-sm2 no-sm3 no-sm4 no-gost no-idea no-seed no-rc2 no-rc4 \
  no-rc5 no-md4 no-mdc2 no-bf no-cast no-camellia no-aria no-whirlpool no-siphash no-capieng)
run make -C "$srcdir" -j "$jobs" build_generated
run make -C "$srcdir" -j "$jobs" libcrypto.a libcrypto.pc
mkdir -p "$prefix/include/openssl"
cp "$srcdir"/include/openssl/*.h "$prefix/include/openssl/"
cp "$srcdir/libcrypto.a" "$prefix/lib/"
cp "$srcdir/libcrypto.pc" "$prefix/lib/pkgconfig/"

step cjson
fetch cjson
cmake_build "$srcdir" -DENABLE_CJSON_TEST=OFF -DENABLE_CJSON_UTILS=OFF -DENABLE_CUSTOM_COMPILER_FLAGS=OFF

step libuv1
fetch libuv1
cmake_build "$srcdir" -DLIBUV_BUILD_TESTS=OFF -DLIBUV_BUILD_BENCH=OFF
# libuv's CMake builds the static library as uv_a and writes libuv-static.pc
# for it; the project asks for `libuv`, which must be the static one here.
rm -f "$prefix/lib/libuv.dll.a" "$prefix/bin/libuv.dll" "$prefix/lib/pkgconfig/libuv.pc"
mv "$prefix/lib/pkgconfig/libuv-static.pc" "$prefix/lib/pkgconfig/libuv.pc"

step libdivsufsort
fetch libdivsufsort
cmake_build "$srcdir" -DBUILD_DIVSUFSORT64=ON -DBUILD_EXAMPLES=OFF -DUSE_OPENMP=OFF

step libarchive
fetch libarchive
# Autotools, not its CMake (Debian 12's cmake 3.25.1 segfaults in its
# ZLIB_WINAPI check when cross-compiling); autoreconf first, as Debian's build
# does: its patches touch the build files, and the shipped ltmain.sh would not
# match Debian's libtool. Its .pc has -DLIBARCHIVE_STATIC in Cflags.private,
# which pkg-config --static includes.
(cd "$srcdir" && run autoreconf -fi)
configure_build "$srcdir" --disable-bsdtar --disable-bsdcpio --disable-bsdcat --disable-acl \
  --disable-xattr --without-openssl --without-xml2 --without-expat --without-lzma --without-zstd \
  --without-lz4 --without-lzo2 --without-nettle --without-mbedtls --without-libb2 --without-iconv \
  --with-zlib --with-bz2lib

step curl
fetch curl
# HTTP(S) only, TLS by Windows' own Schannel (no OpenSSL in the .exe).
configure_build "$srcdir" --with-schannel --without-openssl --without-gnutls --without-libpsl \
  --without-brotli --without-zstd --without-libidn2 --without-nghttp2 --without-libssh2 \
  --without-librtmp --disable-ldap --disable-ldaps --disable-rtsp --disable-dict --disable-telnet \
  --disable-tftp --disable-pop3 --disable-imap --disable-smtp --disable-gopher --disable-mqtt \
  --disable-smb --disable-manual --disable-docs --with-zlib="$prefix"
grep -q CURL_STATICLIB "$prefix/lib/pkgconfig/libcurl.pc" ||
  sed -i 's/^Cflags: \(.*\)$/Cflags: \1 -DCURL_STATICLIB/' "$prefix/lib/pkgconfig/libcurl.pc"

if [ "$splash" = 1 ]; then
  step libpng
  fetch libpng1.6
  configure_build "$srcdir"
  step freetype
  fetch freetype
  configure_build "$srcdir" --without-harfbuzz --without-brotli --without-bzip2 --with-png=yes --with-zlib=yes
  step SDL2
  fetch libsdl2
  # The splash uses SDL's video, events, timers and atomics; the rest would
  # only add build time and size to the .exe (0.3 MB stripped).
  configure_build "$srcdir" --disable-audio --disable-joystick --disable-haptic --disable-hidapi \
    --disable-sensor --disable-power --disable-video-vulkan --disable-video-opengles
  step SDL2_ttf
  fetch libsdl2-ttf
  configure_build "$srcdir" --disable-harfbuzz --disable-freetype-builtin
  step SDL2_image
  fetch libsdl2-image
  configure_build "$srcdir" --disable-jpg --disable-tif --disable-webp --disable-jxl --disable-avif \
    --disable-png-shared
fi

# Only what an .exe links against stays: no DLLs, no import libraries.
rm -f "$prefix"/lib/*.dll.a "$prefix"/lib/*.la "$prefix"/bin/*.dll
modules="zlib libzstd libsodium libcrypto libcjson libuv libarchive libdivsufsort libdivsufsort64 libcurl"
[ "$splash" = 1 ] && modules="$modules sdl2 SDL2_ttf SDL2_image"
for m in $modules; do
  "$prefix/bin/pkg-config-static" --exists "$m" || die "no $m.pc in $prefix after the build"
done
cp "$work/versions.txt" "$prefix/versions.txt"
step "done"
echo "$(($(date +%s) - start))" >"$prefix/build-seconds"
touch "$prefix/.complete"
rm -rf "$work"
echo "$prefix"
# SPDX-License-Identifier: Apache-2.0
