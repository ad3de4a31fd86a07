#!/bin/sh
# Removes the installation this script sits in (install.sh puts it in
# the install root): exactly the paths install.sh listed in installed-files,
# plus what the launcher made inside the root (versions/, cache/, state.json,
# a self-update's leftovers) and the user's settings (launcher.user.json). Nothing else: a file of yours in the root or
# beside it stays (and so does the root folder, then). It deletes whole
# folders only inside the root, removes a folder outside it only if it made
# it and it is empty, and leaves a command link or menu entry that no longer
# points at this installation alone.
set -eu

me=uninstall.sh
quiet=0
keep_data=0
force=0

# The names install.sh installed under (its install-names): which menu entry
# and icons outside the root are ours, and what to call the app.
id=bomiot
icon=bomiot
title=Bomiot
if [ -f "$(dirname "$0")/install-names" ]; then
    while IFS= read -r line || [ -n "$line" ]; do
        case $line in
        id=*) id=${line#id=} ;;
        icon=*) icon=${line#icon=} ;;
        name=*) title=${line#name=} ;;
        esac
    done <"$(dirname "$0")/install-names"
fi

usage() {
    cat <<EOF
Usage: $0 [--keep-data] [--force] [--quiet]

Uninstalls $title from $(dirname "$0").
  --keep-data  keep the installed versions, state.json, your settings
               (launcher.user.json) and cache/ in the install folder, so
               installing again carries on where it was
  --force      uninstall even while $title is running
EOF
}

die() {
    echo "$me: $*" >&2
    exit 1
}

say() {
    if [ "$quiet" = 0 ]; then echo "$*"; fi
}

while [ $# -gt 0 ]; do
    case $1 in
    --keep-data) keep_data=1 ;;
    --force) force=1 ;;
    -q | --quiet) quiet=1 ;;
    -h | --help)
        usage
        exit 0
        ;;
    *) die "unknown option '$1' (see --help)" ;;
    esac
    shift
done

root=$(cd "$(dirname "$0")" && pwd -P)
manifest=$root/installed-files
case $root in
/ | "") die "refusing to uninstall from '$root'" ;;
esac
[ -f "$manifest" ] || die "$root has no installed-files: it is not an installation made by install.sh"
grep -qxF "file $root/uninstall.sh" "$manifest" ||
    die "$manifest does not list $root/uninstall.sh: it belongs to another installation"

[ -w "$root" ] || die "$root is not writable by you; a system-wide installation is removed as root (sudo $0)"

if [ "$force" = 0 ] && [ -f "$root/cache/launcher.lock" ] && command -v flock >/dev/null 2>&1; then
    exec 9>>"$root/cache/launcher.lock"
    flock -n 9 || die "$title is running from $root; quit it first (or use --force)"
    exec 9>&-
fi

inside_root() {
    case $1 in
    */../* | */.. | */./* | */.) return 1 ;;
    "$root"/*) return 0 ;;
    esac
    return 1
}

# Outside the root, only the kinds of file install.sh puts there. The names
# are quoted: taken as they are, never as patterns.
ours_outside() {
    case $1 in
    */../* | */..) return 1 ;;
    /*/applications/"$id".desktop | /*/icons/hicolor/*/apps/"$icon".png | /*/icons/hicolor/*/apps/"$icon".svg)
        return 0
        ;;
    /*/systemd/system/bomiot-"$id"-update.service | /*/systemd/system/bomiot-"$id"-update.timer | \
        /*/systemd/system/bomiot-"$id"-update.path) return 0 ;;
    esac
    return 1
}

# --- the machine's updater (install.sh --system) ---------------------------
# Stopped and disabled before its files go; under a --prefix (not the
# machine's /etc) systemctl is not asked, and the files go all the same.
unit=bomiot-$id-update
systemd_unit=0
if grep -qxF "file /etc/systemd/system/$unit.timer" "$manifest" && [ -d /run/systemd/system ] &&
    command -v systemctl >/dev/null 2>&1; then
    systemd_unit=1
    systemctl disable --now "$unit.timer" >/dev/null 2>&1 || say "could not disable $unit.timer"
    systemctl disable --now "$unit.path" >/dev/null 2>&1 || true # none before trial reports came
    systemctl stop "$unit.service" >/dev/null 2>&1 || true
fi

# --- what the launcher made ----------------------------------------------
if [ "$keep_data" = 0 ]; then
    rm -rf "${root:?}/versions" "${root:?}/cache" "${root:?}/reports"
    rm -f "$root/state.json" "$root"/state.json.tmp.* "$root/launcher.user.json" "$root/bomiot-launcher.old" \
        "$root/bomiot-launcher.new"
    # modules a self-update brought with a newer launcher
    rm -f "$root"/bomiot-update-*.so "$root"/bomiot-splash-*.so "$root"/bomiot-update-*.so.new \
        "$root"/bomiot-splash-*.so.new
fi

# --- what install.sh made: files and links, then folders, deepest first ------
entry_dir=""
icon_dir=""
while IFS=' ' read -r kind path; do
    case $kind in
    file)
        if inside_root "$path"; then
            rm -f "$path" 2>/dev/null || say "could not remove $path"
        elif ours_outside "$path" && { [ -f "$path" ] || [ -L "$path" ]; }; then
            rm -f "$path" 2>/dev/null || say "could not remove $path"
            case $path in
            *.desktop) entry_dir=$(dirname "$path") ;;
            *) icon_dir=${path%/*/apps/*} ;;
            esac
        elif [ -e "$path" ]; then
            say "left $path alone: not a file install.sh puts outside $root"
        fi
        ;;
    link)
        if [ -L "$path" ] && [ "$(readlink "$path")" = "$root/bomiot-launcher" ]; then
            rm -f "$path" 2>/dev/null || say "could not remove $path"
        elif [ -e "$path" ] || [ -L "$path" ]; then
            say "left $path alone: it no longer points at $root/bomiot-launcher"
        fi
        ;;
    dir) ;;
    *) say "ignored a line of $manifest it does not understand: $kind $path" ;;
    esac
done <"$manifest"

# Each folder install.sh created (the root too), if nothing else lives in it
# now. Reverse order puts a folder's children before it.
dirs=$(sed -n 's/^dir \(\/.*\)$/\1/p' "$manifest" | sort -r)
rm -f "$manifest" "$manifest.tmp"
printf '%s\n' "$dirs" | while IFS= read -r path; do
    if [ -n "$path" ]; then rmdir "$path" 2>/dev/null || true; fi
done

if [ "$systemd_unit" = 1 ]; then systemctl daemon-reload || true; fi

# Caches are refreshed where they exist (install.sh never creates one).
if [ -n "$entry_dir" ] && [ -f "$entry_dir/mimeinfo.cache" ] && command -v update-desktop-database >/dev/null 2>&1; then
    update-desktop-database -q "$entry_dir" || true
fi
if [ -n "$icon_dir" ] && [ -f "$icon_dir/icon-theme.cache" ] && command -v gtk-update-icon-cache >/dev/null 2>&1; then
    gtk-update-icon-cache -q -t -f "$icon_dir" || true
fi

if [ -d "$root" ]; then
    if [ "$keep_data" = 1 ]; then
        say "$title is uninstalled; its versions, state and settings stay in $root (--keep-data)"
    else
        say "$title is uninstalled; $root stays: it holds files $title did not install"
    fi
else
    say "$title is uninstalled from $root"
fi
# SPDX-License-Identifier: Apache-2.0
