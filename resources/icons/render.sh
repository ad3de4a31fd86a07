#!/bin/sh
# Renders the PNG sizes of the hicolor icon theme and the Windows .ico from
# hicolor/scalable/apps/bomiot.svg (ImageMagick). Run after editing the SVG;
# the results are committed so builds do not need ImageMagick.
set -eu
cd "$(dirname "$0")"
svg=hicolor/scalable/apps/bomiot.svg
for s in 16 32 48 64 128 256; do
  mkdir -p "hicolor/${s}x${s}/apps"
  convert -background none -density 96 "$svg" -resize "${s}x${s}" "PNG32:hicolor/${s}x${s}/apps/bomiot.png"
done
convert hicolor/16x16/apps/bomiot.png hicolor/32x32/apps/bomiot.png hicolor/48x48/apps/bomiot.png \
  hicolor/256x256/apps/bomiot.png bomiot.ico
