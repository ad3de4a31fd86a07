#!/bin/bash
# bench/delta/run.sh [case ...]: the delta engine against HDiffPatch, bsdiff 4.3,
# xdelta3 -9 and zstd -19 --long --patch-from, side by side in one run, on the
# corpus of bench/delta/fetch.sh (real consecutive releases: esbuild and biome
# binaries, text and near: typescript package tars, app: a 300 MB app tar)
# plus a 500 MB tar built from it (big: ours only, for the "under 2 minutes"
# goal). For each tool and case: diff time and peak RSS, patch size, apply
# time and peak RSS (GNU time), and a check that the applied output equals NEW
# byte for byte.
# Cases: esbuild biome text near app big (default: all but big).
# Tools (diff command; apply command):
#   ours         bomiot-release diff OLD NEW PATCH (BSDIFF40); bomiot-release patch
#   ours-zstd    bomiot-release diff --format zstd OLD NEW PATCH; bomiot-release patch
#   hdiffz-bsd   hdiffz -BSD -m-6 -d -f OLD NEW PATCH (BSDIFF40); hpatchz -f
#   hdiffz-zstd  hdiffz -SD -c-zstd-21-24 -m-6 -d -f OLD NEW PATCH; hpatchz -f
#   bsdiff       bsdiff 4.3; bspatch
#   xdelta3      xdelta3 -9; xdelta3 -d
#   zstd         zstd -19 --long --patch-from; zstd -d --patch-from
# hdiffz's -d skips the patch check it otherwise runs after every diff (this
# script applies and compares each patch itself, as it does for the others);
# -f lets it and hpatchz overwrite. HDiffPatch is built from source by
# bench/delta/hdiffpatch.sh (HDIFFPATCH_SRC: where GitHub is not reachable,
# HDIFFPATCH_SRC=/work/.mirror/sisong+HDiffPatch/repo).
# Environment: BOMIOT_RELEASE (default: a Release build in build/bench-delta),
# BENCH_TIMEOUT seconds per diff (default 900: bsdiff 4.3 can run for hours;
# a diff cut off is recorded as "> N s"), BENCH_TOOLS (default: ours ours-zstd
# hdiffz-bsd hdiffz-zstd on every case, with bsdiff 4.3 too on esbuild and
# biome, where issue 3's goals are measured; set, its tools run on every case;
# big runs only ours and ours-zstd whatever is asked). The raw record
# (bench/record.py: commit, command, UTC start and end, machine, load, and one
# tab-separated row per case and tool with the load after it) goes to
# bench/results/<stamp>-delta.txt; bench/table.py makes RESULTS.md's tables
# from it. Scratch: bench/out/.
set -euo pipefail
self=$(readlink -f "$0")
cd "$(dirname "$0")/../.."
cases=${*:-esbuild biome text near app}
default_tools="ours ours-zstd hdiffz-bsd hdiffz-zstd"
tools=${BENCH_TOOLS:-$default_tools bsdiff}
limit=${BENCH_TIMEOUT:-900}
corpus=bench/corpus
out=bench/out
work=$out/delta-work
mkdir -p "$out" "$work"

# The programs this run needs: the tools compared and npm for the corpus.
need=npm
for t in $tools; do
  case $t in
    ours|ours-zstd|hdiffz-bsd|hdiffz-zstd) ;;
    bsdiff) need="$need bsdiff bspatch" ;;
    xdelta3|zstd) need="$need $t" ;;
    *) echo "bench: unknown tool $t (ours ours-zstd hdiffz-bsd hdiffz-zstd bsdiff xdelta3 zstd)" >&2; exit 2 ;;
  esac
done
for t in $need; do
  command -v "$t" >/dev/null || { echo "bench: $t missing (apt-get install bsdiff xdelta3 zstd npm)" >&2; exit 2; }
done
hd=
case " $tools " in *" hdiffz-"*)
  hd=$(bench/delta/hdiffpatch.sh) ;;
esac
# The corpus files the cases need (big: esbuild, biome and app).
fetch=""
for c in $cases; do
  case $c in
    esbuild|biome|text|near|app|big) ;;
    *) echo "bench: unknown case $c (esbuild biome text near app big)" >&2; exit 2 ;;
  esac
  if [ "$c" = big ]; then fetch="$fetch esbuild biome app"; else fetch="$fetch $c"; fi
done
# shellcheck disable=SC2086
bench/delta/fetch.sh $fetch >/dev/null

if [ -z "${BOMIOT_RELEASE:-}" ]; then
  # No -Werror here: a warning of one compiler version must not stop a measurement.
  cmake -S . -B build/bench-delta -DCMAKE_BUILD_TYPE=Release -DBL_TESTS=OFF -DBL_SPLASH=OFF -DBL_WERROR=OFF >/dev/null
  cmake --build build/bench-delta -j "$(nproc)" --target bomiot-release >/dev/null
  BOMIOT_RELEASE=build/bench-delta/tools/bomiot-release
fi
br=$BOMIOT_RELEASE
rec=$(python3 bench/record.py begin delta -- "$self" "$@")

# The 500 MB case: the app tar, biome and esbuild of each side plus the same
# 70 MB of system libraries on both, tarred into one uncompressed file.
big_tar() { # $1 = old|new
  local f=$corpus/big.$1.tar
  [ -f "$f" ] && return 0
  local libs="" total=0 lib
  for lib in /usr/lib/x86_64-linux-gnu/*.so.*; do
    if [ ! -f "$lib" ] || [ -L "$lib" ]; then continue; fi
    libs="$libs $lib"
    total=$((total + $(stat -c %s "$lib")))
    [ "$total" -lt 70000000 ] || break
  done
  # shellcheck disable=SC2086
  tar --owner=0 --group=0 --numeric-owner --mtime=@0 --format=gnu -cf "$f.tmp" \
      "$corpus/app.$1.tar" "$corpus/biome.$1" "$corpus/esbuild.$1" $libs 2>/dev/null
  mv "$f.tmp" "$f"
}

diff_cmd() { # tool old new patch
  case $1 in
    ours) echo "$br diff $2 $3 $4" ;;
    ours-zstd) echo "$br diff --format zstd $2 $3 $4" ;;
    hdiffz-bsd) echo "$hd/hdiffz -BSD -m-6 -d -f $2 $3 $4" ;;
    hdiffz-zstd) echo "$hd/hdiffz -SD -c-zstd-21-24 -m-6 -d -f $2 $3 $4" ;;
    bsdiff) echo "bsdiff $2 $3 $4" ;;
    xdelta3) echo "xdelta3 -9 -f -e -s $2 $3 $4" ;;
    zstd) echo "zstd -q -f -19 --long --patch-from=$2 $3 -o $4" ;;
  esac
}
apply_cmd() { # tool old patch out
  case $1 in
    ours|ours-zstd) echo "$br patch $2 $3 $4" ;;
    hdiffz-bsd|hdiffz-zstd) echo "$hd/hpatchz -f $2 $3 $4" ;;
    bsdiff) echo "bspatch $2 $4 $3" ;;
    xdelta3) echo "xdelta3 -f -d -s $2 $3 $4" ;;
    zstd) echo "zstd -q -f -d --long=31 --patch-from=$2 $3 -o $4" ;;
  esac
}

# timed LIMIT CMD...: prints "seconds peak_kb status" (status ok|timeout|failed)
timed() {
  local lim=$1; shift
  local tf=$work/time.txt rc=0
  /usr/bin/time -f "%e %M" -o "$tf" timeout "$lim" "$@" >/dev/null 2>"$work/stderr.txt" || rc=$?
  local t m
  read -r t m < <(tail -n 1 "$tf")
  if [ "$rc" = 124 ]; then echo "$t $m timeout"
  elif [ "$rc" != 0 ]; then echo "$t $m failed"
  else echo "$t $m ok"; fi
}

printf '[runs]\ncase\ttool\told_bytes\tnew_bytes\tdiff_s\tdiff_peak_kb\tpatch_bytes\tapply_s\tapply_peak_kb\tload\tstatus\n' | tee -a "$rec"
echo "# $(date -u) $(uptime)" >&2
for c in $cases; do
  ctools=$tools
  if [ -z "${BENCH_TOOLS:-}" ]; then
    case $c in esbuild|biome) ;; *) ctools=$default_tools ;; esac
  fi
  case $c in
    big) big_tar old; big_tar new; old=$corpus/big.old.tar; new=$corpus/big.new.tar
         ctools=$(for t in $tools; do case $t in ours|ours-zstd) printf '%s ' "$t" ;; esac; done) ;;
    app|text|near) old=$corpus/$c.old.tar; new=$corpus/$c.new.tar ;;
    *) old=$corpus/$c.old; new=$corpus/$c.new ;;
  esac
  for t in $ctools; do
    patch=$work/$c.$t.patch result=$work/$c.$t.out
    rm -f "$patch" "$result"
    sync
    # shellcheck disable=SC2046
    read -r dt dm ds < <(timed "$limit" $(diff_cmd "$t" "$old" "$new" "$patch"))
    echo "# $c $t diff: $ds $dt s $dm KB  [$(diff_cmd "$t" "$old" "$new" "$patch")] load: $(cut -d' ' -f1-3 /proc/loadavg)" >&2
    at=- am=- size=- status=$ds
    if [ "$ds" = timeout ]; then dt=">$limit"; fi
    if [ "$ds" = ok ]; then
      size=$(stat -c %s "$patch")
      # shellcheck disable=SC2046
      read -r at am as < <(timed 3600 $(apply_cmd "$t" "$old" "$patch" "$result"))
      if [ "$as" != ok ]; then status="apply-$as"
      elif ! cmp -s "$result" "$new"; then status=MISMATCH
      fi
      echo "# $c $t apply: $as $at s $am KB  [$(apply_cmd "$t" "$old" "$patch" "$result")]" >&2
    fi
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$c" "$t" "$(stat -c %s "$old")" \
      "$(stat -c %s "$new")" "$dt" "$dm" "$size" "$at" "$am" "$(cut -d' ' -f1 /proc/loadavg)" "$status" | tee -a "$rec"
    rm -f "$result"
  done
done
python3 bench/record.py end "$rec"
echo "# done $(date -u) $(uptime)" >&2
echo "record: $rec (tables: bench/table.py $rec)" >&2
# SPDX-License-Identifier: Apache-2.0
