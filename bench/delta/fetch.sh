#!/bin/sh
# bench/delta/fetch.sh: the delta benchmark's corpus, real consecutive releases
# fetched with `npm pack` into bench/corpus/ (gitignored):
#   esbuild.old/new   @esbuild/linux-x64 0.28.1 -> 0.28.2 (Go binary, ~11 MB)
#   biome.old/new     @biomejs/cli-linux-x64 2.6.7 -> 2.6.8 (Rust binary, ~98 MB)
#   app.old/new.tar   a multi-file app of 300 MB+: the unpacked packages below at
#                     two consecutive versions each, tarred uncompressed in a
#                     deterministic order (sorted names, fixed owner and mtime).
#   text.old/new.tar  typescript 5.8.3 -> 5.9.3, one package unpacked and tarred
#                     as the app tar is (JavaScript and .d.ts text, two adjacent
#                     minor releases: real changes)
#   near.old/new.tar  typescript 5.9.2 -> 5.9.3, the same way (a patch release:
#                     two nearly identical tars)
# Usage: bench/delta/fetch.sh [case ...] (esbuild biome text near app;
# default: all).
# Idempotent: what is already there is kept.
set -eu
cd "$(dirname "$0")/../.."
corpus=bench/corpus
mkdir -p "$corpus/npm"

# name old new
APP_PACKAGES="
typescript 6.0.2 6.0.3
@biomejs/cli-linux-x64 2.6.7 2.6.8
@esbuild/linux-x64 0.28.1 0.28.2
@next/swc-linux-x64-gnu 16.4.5 16.4.6
@swc/core-linux-x64-gnu 1.16.21 1.16.22
@rspack/binding-linux-x64-gnu 2.3.2 2.3.3
@img/sharp-libvips-linux-x64 1.3.3 1.3.4
prettier 3.10.0 3.10.1
"

fetch() { # $1 = package, $2 = version; prints the unpacked folder
  dir="$corpus/npm/$(echo "$1" | tr '/@' '__')-$2"
  if [ ! -d "$dir" ]; then
    tgz=$(cd "$corpus/npm" && npm pack --silent "$1@$2" | tail -n 1)
    mkdir -p "$dir.tmp"
    tar -xzf "$corpus/npm/$tgz" -C "$dir.tmp"
    rm -f "$corpus/npm/$tgz"
    mv "$dir.tmp" "$dir"
  fi
  echo "$dir"
}

binary() { # $1 = package, $2 = version, $3 = path in package, $4 = output
  [ -f "$4" ] && return 0
  dir=$(fetch "$1" "$2")
  cp "$dir/package/$3" "$4.tmp" && mv "$4.tmp" "$4"
}

cases=${*:-esbuild biome text near app}
case " $cases " in *" esbuild "*)
  binary @esbuild/linux-x64 0.28.1 bin/esbuild "$corpus/esbuild.old"
  binary @esbuild/linux-x64 0.28.2 bin/esbuild "$corpus/esbuild.new" ;;
esac
case " $cases " in *" biome "*)
  binary @biomejs/cli-linux-x64 2.6.7 biome "$corpus/biome.old"
  binary @biomejs/cli-linux-x64 2.6.8 biome "$corpus/biome.new" ;;
esac

# packages_tar old|new OUTPUT PACKAGES: the packages (lines "name old new"),
# each unpacked at node_modules/<name>/, in one deterministic tar.
packages_tar() {
  [ -f "$2" ] && return 0
  stage="$2.stage"
  rm -rf "$stage"
  mkdir -p "$stage"
  echo "$3" | while read -r name old new; do
    [ -n "$name" ] || continue
    if [ "$1" = old ]; then version=$old; else version=$new; fi
    dir=$(fetch "$name" "$version")
    mkdir -p "$stage/node_modules/$name"
    cp -R "$dir/package/." "$stage/node_modules/$name/"
  done
  tar --sort=name --owner=0 --group=0 --numeric-owner --mtime=@0 \
      --format=gnu -cf "$2.tmp" -C "$stage" . && mv "$2.tmp" "$2"
  rm -rf "$stage"
}
case " $cases " in *" text "*)
  packages_tar old "$corpus/text.old.tar" "typescript 5.8.3 5.9.3"
  packages_tar new "$corpus/text.new.tar" "typescript 5.8.3 5.9.3" ;;
esac
case " $cases " in *" near "*)
  packages_tar old "$corpus/near.old.tar" "typescript 5.9.2 5.9.3"
  packages_tar new "$corpus/near.new.tar" "typescript 5.9.2 5.9.3" ;;
esac
case " $cases " in *" app "*)
  packages_tar old "$corpus/app.old.tar" "$APP_PACKAGES"
  packages_tar new "$corpus/app.new.tar" "$APP_PACKAGES" ;;
esac
ls -l "$corpus"
# SPDX-License-Identifier: Apache-2.0
