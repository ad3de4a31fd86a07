#!/bin/sh
# Builds the Linux bundle users download:
#   make-bundle.sh [options] LAUNCHER APP_DIR VERSION OUT.tar.gz
# OUT.tar.gz holds one folder (named after OUT) with install.sh, uninstall.sh,
# the launcher, the first version's files in app/, VERSION, the hicolor icons,
# resources/ (the splash image and font found beside LAUNCHER in resources/,
# the trusted root and any --resource), install-names (the names below) and,
# if given, launcher.json.
# Users run: tar xf OUT.tar.gz && OUT/install.sh
# The same inputs give the same OUT.tar.gz, byte for byte: its entries carry
# the newest input's time (or SOURCE_DATE_EPOCH's, when set), owner root and
# name order.
# Options:
#   --root FILE      the repository's trusted root (bomiot-release init prints it:
#                    <repo>/metadata/1.root.json), installed as resources/root.json;
#                    without it the installed launcher cannot check for updates
#   --icons DIR      a hicolor tree (<size>/apps/bomiot.png, scalable/apps/bomiot.svg);
#                    default resources/icons/hicolor
#   --config FILE    launcher.json, the publisher's settings (update_url, app_name,
#                    ca_file...), installed beside the launcher, replacing any
#   --resource FILE  also ship FILE in resources/ (a CA file that launcher.json's
#                    ca_file names, your own splash.png); repeatable; a file of
#                    the same name replaces the one from beside LAUNCHER
# Names, checked by install.sh --check as the bundle is made (defaults: Bomiot's):
#   --id ID          the install folder (~/.local/share/ID, /opt/ID) and the
#                    menu entry's file (ID.desktop); default bomiot
#   --command NAME   the command (~/.local/bin/NAME); default ID
#   --name TEXT      the menu entry's name; default the --config launcher.json's
#                    display_name (the splash's title), else Bomiot
#   --comment TEXT   its comment; default "Start NAME, kept up to date by its launcher"
#   --categories L   its categories; default "Office;"
#   --icon NAME      the icon's name: the --icons tree holds NAME.png, NAME.svg; default ID
#   --wm-class NAME  the app's window class, for StartupWMClass in the menu entry
set -eu

me=make-bundle.sh
here=$(cd "$(dirname "$0")" && pwd -P)
icons=$here/../../resources/icons/hicolor
config=""
trusted_root=""
names=""     # key=value lines for install-names
resources="" # --resource files, one a line
nl='
'

die() {
    echo "$me: $*" >&2
    exit 1
}

while [ $# -gt 0 ]; do
    case $1 in
    --icons)
        [ $# -ge 2 ] || die "--icons needs a folder"
        icons=$2
        shift
        ;;
    --config)
        [ $# -ge 2 ] || die "--config needs a file"
        config=$2
        shift
        ;;
    --root)
        [ $# -ge 2 ] || die "--root needs a file"
        trusted_root=$2
        shift
        ;;
    --id | --command | --name | --comment | --categories | --icon | --wm-class)
        [ $# -ge 2 ] || die "$1 needs a value"
        case $2 in
        *"$nl"*) die "$1 must be one line" ;;
        esac
        key=${1#--}
        names="$names$(printf '%s' "$key" | tr - _)=$2$nl"
        shift
        ;;
    --resource)
        [ $# -ge 2 ] || die "--resource needs a file"
        [ -f "$2" ] || die "--resource $2 is not a file"
        case $2 in
        *"$nl"*) die "--resource: a file name must not contain a line break" ;;
        */root.json | root.json) die "--resource: root.json is the trusted root; give it with --root" ;;
        esac
        resources=$resources$2$nl
        shift
        ;;
    -h | --help)
        sed -n '2,/^[^#]/s/^# \{0,1\}//p' "$0"
        exit 0
        ;;
    --) shift; break ;;
    -*) die "unknown option '$1' (see --help)" ;;
    *) break ;;
    esac
    shift
done
[ $# -eq 4 ] || die "usage: $me [options] LAUNCHER APP_DIR VERSION OUT.tar.gz"
launcher=$1
app=$2
version=$3
out=$4

if [ ! -f "$launcher" ] || [ ! -x "$launcher" ]; then die "$launcher is not an executable launcher"; fi
[ -d "$app" ] || die "$app is not a folder"
case $version in
"" | .* | *[!0-9A-Za-z.+!_-]*) die "'$version' is not a version folder name" ;;
esac
if [ -z "$config" ] && [ ! -x "$app/bomiot" ]; then
    die "$app has no executable 'bomiot' (name another one with app_executable in a --config launcher.json)"
fi
[ -z "$config" ] || [ -f "$config" ] || die "$config does not exist"
if [ -n "$trusted_root" ]; then
    [ -f "$trusted_root" ] || die "$trusted_root does not exist"
    grep -q '"_type"[[:space:]]*:[[:space:]]*"root"' "$trusted_root" || die "$trusted_root is not TUF root metadata"
else
    echo "$me: warning: no --root: the installed launcher will start the app but cannot check for updates" >&2
fi
case $out in
*.tar.gz) ;;
*) die "OUT must end in .tar.gz" ;;
esac
[ ! -e "$app/.bomiot-complete" ] || die "$app holds a .bomiot-complete marker; the installer writes it"

name=$(basename "$out" .tar.gz)
work=$(mktemp -d "${TMPDIR:-/tmp}/bomiot-bundle.XXXXXX")
trap 'rm -rf "$work"' EXIT
dest=$work/$name
mkdir -p "$dest"
cp "$here/install.sh" "$here/uninstall.sh" "$dest/"
cp "$launcher" "$dest/bomiot-launcher"
# The modules it loads from beside itself (launcher/start/module.h), when it has any.
for module in "$(dirname "$launcher")"/bomiot-*.so; do
    if [ -f "$module" ]; then cp "$module" "$dest/"; fi
done
cp -R "$app" "$dest/app"
printf '%s\n' "$version" >"$dest/VERSION"
if [ -d "$icons" ]; then cp -R "$icons" "$dest/icons"; fi
if [ -n "$config" ]; then cp "$config" "$dest/launcher.json"; fi
# The launcher's resources (the build puts the splash image and font beside it).
mkdir -p "$dest/resources"
launcher_resources=$(dirname "$launcher")/resources
if [ -d "$launcher_resources" ]; then cp "$launcher_resources"/* "$dest/resources/"; fi
while IFS= read -r f; do
    if [ -n "$f" ]; then cp "$f" "$dest/resources/"; fi
done <<EOF
$resources
EOF
if [ -n "$trusted_root" ]; then cp "$trusted_root" "$dest/resources/root.json"; fi
printf '%s' "$names" >"$dest/install-names"
chmod 755 "$dest/install.sh" "$dest/uninstall.sh" "$dest/bomiot-launcher"
chmod -R u+rwX,go+rX,go-w "$dest"
# The names as install.sh will take them: a bad one stops the bundle now, not
# the install on a user's machine.
sh "$dest/install.sh" --check --quiet --prefix "$work/check" || die "the names above do not make an installable bundle"

out_dir=$(cd "$(dirname "$out")" && pwd -P)
# The same inputs give the same bundle, byte for byte: every entry carries one
# time (SOURCE_DATE_EPOCH, else the newest input's), root:root as owner, the
# modes set above, in name order; gzip stores no name and no time.
if [ -n "${SOURCE_DATE_EPOCH:-}" ]; then
    case $SOURCE_DATE_EPOCH in
    *[!0-9]*) die "SOURCE_DATE_EPOCH must be a number of seconds, got '$SOURCE_DATE_EPOCH'" ;;
    esac
    stamp=$SOURCE_DATE_EPOCH
else
    # The copies' times are now; their sources' are the inputs' own.
    set -- "$here/install.sh" "$here/uninstall.sh" "$launcher" "$app"
    for f in "$(dirname "$launcher")"/bomiot-*.so "$launcher_resources" "$icons" "$config" "$trusted_root"; do
        if [ -n "$f" ] && [ -e "$f" ]; then set -- "$@" "$f"; fi
    done
    while IFS= read -r f; do
        if [ -n "$f" ]; then set -- "$@" "$f"; fi
    done <<EOF
$resources
EOF
    stamp=$(find "$@" -printf '%Ts\n' | sort -n | tail -n 1)
fi
tar -C "$work" --owner=0 --group=0 --numeric-owner --sort=name --mtime="@$stamp" -cf "$work/bundle.tar" "$name"
gzip -n -9 <"$work/bundle.tar" >"$out_dir/$name.tar.gz.tmp"
mv -f "$out_dir/$name.tar.gz.tmp" "$out_dir/$name.tar.gz"
echo "$out_dir/$name.tar.gz"
# SPDX-License-Identifier: Apache-2.0
