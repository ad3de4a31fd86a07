#!/bin/sh
# Renders the PNG sizes of the hicolor icon theme, the Windows .ico and the
# macOS .icns from hicolor/scalable/apps/bomiot.svg (ImageMagick). Run after
# editing the SVG; the results are committed so builds do not need ImageMagick.
# No dates in the PNGs: rendering again gives the same bytes.
set -eu
cd "$(dirname "$0")"
svg=hicolor/scalable/apps/bomiot.svg
for s in 16 32 48 64 128 256; do
  mkdir -p "hicolor/${s}x${s}/apps"
  convert -background none -density 96 "$svg" -resize "${s}x${s}" -strip -define png:exclude-chunks=date,time "PNG32:hicolor/${s}x${s}/apps/bomiot.png"
done
convert hicolor/16x16/apps/bomiot.png hicolor/32x32/apps/bomiot.png hicolor/48x48/apps/bomiot.png \
  hicolor/256x256/apps/bomiot.png bomiot.ico

# macOS: an .icns of PNG entries (ic07 128, ic08 256, icp4 16, icp5 32, icp6 64).
python3 - <<'PY'
import struct
entries = [(b"icp4", 16), (b"icp5", 32), (b"icp6", 64), (b"ic07", 128), (b"ic08", 256)]
body = b""
for kind, size in entries:
    with open(f"hicolor/{size}x{size}/apps/bomiot.png", "rb") as f:
        png = f.read()
    body += kind + struct.pack(">I", len(png) + 8) + png
with open("bomiot.icns", "wb") as f:
    f.write(b"icns" + struct.pack(">I", len(body) + 8) + body)
PY
# SPDX-License-Identifier: Apache-2.0
