#!/bin/sh
# Renders resources/splash.png, the default splash image (560x340: the app icon
# and name on a deep blue field), with ImageMagick. The launcher draws its
# status band over the bottom 100 px, so what matters stays above it. Run after
# editing; the PNG is committed so builds do not need ImageMagick. No dates in
# the PNG: rendering again gives the same bytes.
set -eu
cd "$(dirname "$0")"
icon=../icons/hicolor/256x256/apps/bomiot.png
convert -size 560x340 -define gradient:direction=SouthEast gradient:'#1a4a86-#0a1628' \
  -fill none -stroke 'rgba(255,255,255,0.06)' -strokewidth 36 -draw 'circle 470,70 620,70' \
  -stroke 'rgba(255,255,255,0.05)' -strokewidth 18 -draw 'circle 470,70 540,70' \
  \( "$icon" -resize 120x120 \) -geometry +40+48 -composite \
  -stroke none -fill white -font DejaVu-Sans-Bold -pointsize 52 -annotate +184+126 'Bomiot' \
  -fill '#a9c4e6' -font DejaVu-Sans -pointsize 17 -annotate +187+158 'Always up to date' \
  -strip -define png:exclude-chunks=date,time PNG24:../splash.png
# SPDX-License-Identifier: Apache-2.0
