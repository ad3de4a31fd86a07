#!/bin/sh
# bench/delta/hdiffpatch.sh: HDiffPatch's hdiffz and hpatchz for the delta
# bench (bench/delta/run.sh), built from source into bench/out/ (gitignored,
# never committed), as the corpus is fetched. Prints the folder holding the two
# programs. Idempotent: a build of the same commit is kept.
#
# Environment:
#   HDIFFPATCH_SRC     a git directory or URL to clone from
#                      (default https://github.com/sisong/HDiffPatch)
#   HDIFFPATCH_COMMIT  the commit built (default: the pinned one below, one
#                      commit after v4.12.0, 2025-09-20: the newest the project's
#                      mirror holds)
#   HDIFFPATCH_JOBS    make's -j (default 1: the machine is shared)
# GitHub is not reachable from the project's build machine: there, run with
#   HDIFFPATCH_SRC=/work/.mirror/sisong+HDiffPatch/repo
#
# What is built: HDiffPatch's own Makefile with bzip2 (needed by -BSD, which
# writes BSDIFF40) and zstd (its -c-zstd format) taken from Debian's libraries
# (libbz2-dev, libzstd-dev 1.5.4: BZIP2=2 ZSTD=2 link -lbz2 -lzstd) instead of
# the sibling source folders its Makefile otherwise compiles (../zstd, ../lzma,
# ../libdeflate, ...: sisong's forks, separate repositories). Everything the
# bench does not use is off: zlib, libdeflate, lzma, VCDIFF, directory diff.
# Multithreading stays on (hdiffz -p-N, hpatchz -p-N), as in a default build.
set -eu
cd "$(dirname "$0")/../.."
src=${HDIFFPATCH_SRC:-https://github.com/sisong/HDiffPatch}
commit=${HDIFFPATCH_COMMIT:-505eaa5f0bef2c4f70f02cc1bfe1448cf2bf54dc}
out=$PWD/bench/out/hdiffpatch
bin=$out/bin

if [ -x "$bin/hdiffz" ] && [ -x "$bin/hpatchz" ] && [ "$(cat "$bin/commit" 2>/dev/null)" = "$commit" ]; then
  echo "$bin"
  exit 0
fi
for t in git make cc c++; do
  command -v "$t" >/dev/null || { echo "hdiffpatch.sh: $t missing" >&2; exit 2; }
done
for h in bzlib.h zstd.h; do
  printf '#include <%s>\n' "$h" | cc -E - >/dev/null 2>&1 ||
    { echo "hdiffpatch.sh: $h missing (apt-get install libbz2-dev libzstd-dev)" >&2; exit 2; }
done

rm -rf "$out/src" "$bin"
mkdir -p "$out"
echo "hdiffpatch.sh: cloning $src at $commit" >&2
git clone --quiet --no-checkout "$src" "$out/src" >&2
git -C "$out/src" -c advice.detachedHead=false checkout --quiet "$commit" >&2
# hdiffz and hpatchz only (the Makefile's "all" also builds its unit test).
# The variables are the Makefile's own switches, set on the command line.
(cd "$out/src" && make -j"${HDIFFPATCH_JOBS:-1}" \
  BZIP2=2 ZSTD=2 LDEF=0 ZLIB=0 LZMA=0 VCD=0 DIR_DIFF=0 MD5=0 XXH=0 MT=1 \
  hdiffz hpatchz) >"$out/build.log" 2>&1 ||
  { tail -n 30 "$out/build.log" >&2; echo "hdiffpatch.sh: build failed (log: $out/build.log)" >&2; exit 1; }
mkdir -p "$bin"
cp "$out/src/hdiffz" "$out/src/hpatchz" "$bin/"
echo "$commit" > "$bin/commit"
echo "$bin"
# SPDX-License-Identifier: Apache-2.0
