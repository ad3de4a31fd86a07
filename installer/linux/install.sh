#!/bin/sh
# Installs the app of the bundle this script sits in (see make-bundle.sh):
# the launcher, the first version of the app, a freedesktop menu entry, the
# icon and a command link, and an uninstaller that removes exactly that.
#
# Per user (default):              system-wide (--system, as root):
#   ${XDG_DATA_HOME:-~/.local/share}/ID          /opt/ID
#   ~/.local/bin/COMMAND                         /usr/local/bin/COMMAND
#   $XDG_DATA_HOME/applications/ID.desktop       /usr/share/applications/ID.desktop
#   $XDG_DATA_HOME/icons/hicolor/*/apps/ICON.*   /usr/share/icons/hicolor/*/apps/ICON.*
#   (the launcher updates itself)                /etc/systemd/system/bomiot-ID-update.{service,timer}
# ID, COMMAND, ICON and the menu entry's name, comment and categories come from
# the bundle's install-names (make-bundle.sh's options), else from the same
# options here; the name else from launcher.json's display_name (through the
# bundle's launcher); Bomiot's by default (bomiot, bomiot, bomiot, "Bomiot").
# --prefix DIR is the system-wide layout under DIR (DIR/opt/ID, ...), a
# working install (the entry points at DIR/opt/ID) without root powers:
# for tests and for relocated installs.
#
# The first version goes in the way the launcher installs one (launcher/start/install.c):
# copied into versions/<v>.partial, flushed, `.bomiot-complete` written last,
# renamed to versions/<v>. Running it again over an installation is safe: it
# keeps state.json, launcher.user.json (the user's settings), cache/ and every
# installed version (a newer one stays the current one), replaces the launcher
# and launcher.json (the publisher's), and adds the bundle's version if it is
# missing and newer than the current one (the installed launcher compares them),
# making it the current one on trial (bomiot-launcher --switch-to).
# Every path it creates is listed in <root>/installed-files for uninstall.sh.
set -eu
umask 022

me=install.sh
quiet=0
check=0
mode=user
prefix=""
nl='
'
# The names: options here win over the bundle's install-names.
id=""
command=""
title=""
comment=""
categories=""
icon=""
wm_class=""
resources="" # files for resources/, one a line

usage() {
    cat <<EOF
Usage: $0 [--system | --prefix DIR] [--quiet] [--check] [names] [--resource FILE]...

Installs the bundle's app for the current user (into ~/.local), or for every
user of the machine with --system (into /opt/ID and /usr; needs root), with
a systemd timer, bomiot-ID-update.timer, that updates it as root (users'
launchers cannot write /opt/ID).
--prefix DIR installs the system-wide layout under DIR instead of / (the
timer's units too, not enabled).
Uninstall with <install root>/uninstall.sh.
  --check            check the bundle, the names and the menu entry; install nothing
  --resource FILE    also install FILE into <root>/resources/ (a CA file for
                     ca_file, a splash image); repeatable
Names (default: the bundle's install-names, else Bomiot's):
  --id ID            the install folder (.../share/ID, /opt/ID) and the menu
                     entry's file name (ID.desktop); default bomiot
  --command NAME     the command link in ~/.local/bin or /usr/local/bin (default ID)
  --name TEXT        the menu entry's name (default launcher.json's display_name,
                     else its app_name capitalised: Bomiot)
  --comment TEXT     its comment (default "Start NAME, kept up to date by its launcher")
  --categories LIST  its categories (default "Office;")
  --icon NAME        the icon's name in the hicolor theme (default ID)
  --wm-class NAME    the app's window class, for StartupWMClass
ID, --command's NAME and --icon's: letters, digits, '.', '_' and '-'.
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
    --system) mode=system ;;
    --prefix)
        [ $# -ge 2 ] || die "--prefix needs a folder"
        prefix=$2
        mode=system
        shift
        ;;
    --prefix=*)
        prefix=${1#--prefix=}
        mode=system
        ;;
    -q | --quiet) quiet=1 ;;
    --check) check=1 ;;
    --id | --command | --name | --comment | --categories | --icon | --wm-class | --resource)
        [ $# -ge 2 ] || die "$1 needs a value"
        case $1 in
        --id) id=$2 ;;
        --command) command=$2 ;;
        --name) title=$2 ;;
        --comment) comment=$2 ;;
        --categories) categories=$2 ;;
        --icon) icon=$2 ;;
        --wm-class) wm_class=$2 ;;
        --resource)
            [ -f "$2" ] || die "--resource $2 is not a file"
            case $2 in
            *"$nl"*) die "--resource: a file name must not contain a line break" ;;
            */root.json | root.json) die "--resource: root.json is the trusted root; make-bundle.sh --root ships it" ;;
            esac
            resources=$resources$2$nl
            ;;
        esac
        shift
        ;;
    -h | --help)
        usage
        exit 0
        ;;
    *) die "unknown option '$1' (see --help)" ;;
    esac
    shift
done

bundle=$(cd "$(dirname "$0")" && pwd -P)
for f in bomiot-launcher VERSION uninstall.sh; do
    [ -f "$bundle/$f" ] || die "the bundle in $bundle has no $f; download the complete bundle again"
done
[ -d "$bundle/app" ] || die "the bundle in $bundle has no app/ folder; download the complete bundle again"
version=$(head -n 1 "$bundle/VERSION")
# The launcher's rule for a version folder name (bl_version_is_safe_name).
case $version in
"" | .* | *[!0-9A-Za-z.+!_-]*) die "VERSION holds '$version', not a version folder name" ;;
esac

# The bundle's names, one key=value a line, fill what no option gave.
if [ -f "$bundle/install-names" ]; then
    while IFS= read -r line || [ -n "$line" ]; do
        value=${line#*=}
        case $line in
        id=*) id=${id:-$value} ;;
        command=*) command=${command:-$value} ;;
        name=*) title=${title:-$value} ;;
        comment=*) comment=${comment:-$value} ;;
        categories=*) categories=${categories:-$value} ;;
        icon=*) icon=${icon:-$value} ;;
        wm_class=*) wm_class=${wm_class:-$value} ;;
        "" | "#"*) ;;
        *) die "the bundle's install-names has a line it does not understand: $line" ;;
        esac
    done <"$bundle/install-names"
fi
# The name users see, when no option or install-names gave one: the app's
# name as the splash shows it (launcher.json's display_name, in any script,
# else app_name capitalised), which the bundle's launcher reads for us.
if [ -z "$title" ]; then
    title=$("$bundle/bomiot-launcher" --display-name) || die "the bundle's launcher cannot say the app's name; give --name"
fi
id=${id:-bomiot}
command=${command:-$id}
icon=${icon:-$id}
title=${title:-Bomiot}
comment=${comment:-"Start $title, kept up to date by its launcher"}
categories=${categories:-Office;}

# A file name in a folder shared with other apps: nothing that could leave it.
file_name() { # WHAT VALUE
    case $2 in
    "" | [!A-Za-z0-9]* | *[!A-Za-z0-9._-]*)
        die "$1 must be letters, digits, '.', '_' and '-', starting with a letter or digit; got '$2'"
        ;;
    esac
}
file_name "the id (--id)" "$id"
file_name "the command (--command)" "$command"
file_name "the icon name (--icon)" "$icon"
for value in "$title" "$comment" "$wm_class"; do
    case $value in
    *"$nl"*) die "a name, comment or window class must be one line; got '$value'" ;;
    esac
done
[ -n "$(printf '%s' "$title" | tr -d '[:space:]')" ] || die "the name (--name) must not be blank"
case $categories in
*[!A-Za-z0-9_\;-]*) die "the categories must be a list like 'Office;Utility;'; got '$categories'" ;;
*";") ;;
*) categories="$categories;" ;; # the Desktop Entry spec: a list ends with ';'
esac

tab=$(printf '\t')
case $prefix in
"") ;;
/*) prefix=${prefix%/} ;;
*) die "--prefix needs an absolute path, got '$prefix'" ;;
esac
if [ "$mode" = user ]; then
    case ${HOME:-} in
    /*) ;;
    *) die "HOME is not set to an absolute path" ;;
    esac
    data=${XDG_DATA_HOME:-}
    case $data in
    /*) ;;
    *) data=$HOME/.local/share ;; # the XDG spec: a relative value is ignored
    esac
    root=$data/$id
    bindir=$HOME/.local/bin
    appsdir=$data/applications
    iconsdir=$data/icons/hicolor
else
    if [ -z "$prefix" ] && [ "$(id -u)" != 0 ]; then
        die "--system installs into /opt and /usr: run it as root (sudo), or install for yourself without --system"
    fi
    root=$prefix/opt/$id
    bindir=$prefix/usr/local/bin
    appsdir=$prefix/usr/share/applications
    iconsdir=$prefix/usr/share/icons/hicolor
fi
case $root$bindir$appsdir$iconsdir in
*"$nl"*) die "install paths must not contain a line break" ;;
esac

work=$(mktemp -d "${TMPDIR:-/tmp}/bomiot-install.XXXXXX")
records=$work/records
: >"$records"
manifest=""

# On every exit, even a failed one, what was created so far joins the manifest,
# so uninstall.sh can remove a half-done installation too.
finish() {
    status=$?
    if [ -n "$manifest" ] && [ -s "$records" ]; then
        if [ -f "$manifest" ]; then cat "$manifest" >>"$records"; fi
        sort -u "$records" >"$manifest.tmp" && mv -f "$manifest.tmp" "$manifest"
    fi
    rm -rf "$work"
    exit "$status"
}
trap finish EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

record() { # KIND PATH; KIND is file, link or dir
    printf '%s %s\n' "$1" "$2" >>"$records"
}

make_dir() { # creates a folder and its missing parents, recording each one created
    if [ ! -d "$1" ]; then
        make_dir "$(dirname "$1")"
        mkdir "$1"
        record dir "$1"
    fi
}

put_file() { # SRC DEST MODE: replaces DEST by a rename, so it is never half written
    cp "$1" "$2.bomiot-tmp"
    chmod "$3" "$2.bomiot-tmp"
    mv -f "$2.bomiot-tmp" "$2"
    record file "$2"
}

# Desktop Entry spec, "The Exec key": an argument holding a reserved character
# is put in double quotes, inside which " ` $ \ are escaped with a backslash;
# % is doubled (field codes). The whole value is then a string value, whose
# backslashes are escaped once more ("Possible value types").
exec_arg() {
    arg=$(printf '%s' "$1" | sed -e 's/%/%%/g')
    if printf '%s\n' "$arg" | grep -qF -e ' ' -e "$tab" -e '"' -e "'" -e "\\" -e '>' -e '<' -e '~' \
        -e '|' -e '&' -e ';' -e '$' -e '*' -e '?' -e '#' -e '(' -e ')' -e '`'; then
        arg=\"$(printf '%s' "$arg" | sed -e 's/[\\"`$]/\\&/g')\"
    fi
    printf '%s' "$arg" | sed -e 's/\\/\\\\/g'
}

string_value() {
    printf '%s' "$1" | sed -e 's/\\/\\\\/g'
}

# The entry is written and validated before anything is installed.
entry=$work/$id.desktop
{
    echo "[Desktop Entry]"
    echo "Type=Application"
    echo "Version=1.4"
    printf 'Name=%s\n' "$(string_value "$title")"
    printf 'Comment=%s\n' "$(string_value "$comment")"
    # printf, not echo: dash's echo would undo the backslash escapes.
    printf 'Exec=%s %%U\n' "$(exec_arg "$root/bomiot-launcher")"
    printf 'TryExec=%s\n' "$(string_value "$root/bomiot-launcher")"
    printf 'Icon=%s\n' "$icon"
    echo "Terminal=false"
    printf 'Categories=%s\n' "$categories"
    echo "StartupNotify=true"
    if [ -n "$wm_class" ]; then printf 'StartupWMClass=%s\n' "$(string_value "$wm_class")"; fi
} >"$entry"
if command -v desktop-file-validate >/dev/null 2>&1; then
    desktop-file-validate "$entry" >&2 || die "the generated menu entry does not validate (see above)"
else
    say "desktop-file-validate not found (package desktop-file-utils); the menu entry was not validated"
fi
if [ -d "$bundle/icons" ] && [ -z "$(cd "$bundle/icons" && find . -type f \( -name "$icon.png" -o -name "$icon.svg" \))" ]
then
    echo "$me: warning: the bundle's icons hold no $icon.png or $icon.svg; the menu shows the theme's $icon icon, if any" >&2
fi
if [ "$check" = 1 ]; then
    say "the bundle and its names are good: $title, installed as $root, command $command, menu entry $id.desktop"
    exit 0
fi

# --- the install root ------------------------------------------------------
make_dir "$root"
root=$(cd "$root" && pwd -P) # as the launcher and uninstall.sh will see it
manifest=$root/installed-files
# The root is the installation's own even when it was there before (kept by
# uninstall.sh --keep-data): listed, so a later uninstall removes it once empty.
record dir "$root"
make_dir "$root/versions"

# Hold the launcher's own lock while a version goes in, so a launcher starting
# now does not take our versions/<v>.partial for debris. A running app holds
# it for its lifetime; then we go on: its launcher cleaned up when it started.
mkdir -p "$root/cache"
if command -v flock >/dev/null 2>&1; then
    exec 9>>"$root/cache/launcher.lock"
    flock -w 5 9 || say "$title is running; installing beside it"
fi

# Its modules first (launcher/start/module.h): a launcher never runs without them.
for f in "$bundle"/bomiot-*.so; do
    [ -f "$f" ] || continue
    put_file "$f" "$root/$(basename "$f")" 755
done
put_file "$bundle/bomiot-launcher" "$root/bomiot-launcher" 755
put_file "$bundle/uninstall.sh" "$root/uninstall.sh" 755
# The trusted root, the splash image and font: replaced with the bundle's,
# which is as new as the launcher it comes with.
if [ -d "$bundle/resources" ]; then
    make_dir "$root/resources"
    for f in "$bundle/resources"/*; do
        [ -f "$f" ] || continue
        put_file "$f" "$root/resources/$(basename "$f")" 644
    done
fi
# --resource files: after the bundle's, so one of the same name replaces it.
if [ -n "$resources" ]; then
    make_dir "$root/resources"
    while IFS= read -r f; do
        if [ -n "$f" ]; then put_file "$f" "$root/resources/$(basename "$f")" 644; fi
    done <<EOF
$resources
EOF
fi
# The names, for uninstall.sh: which entry and icons outside the root are ours.
printf 'id=%s\ncommand=%s\nname=%s\nicon=%s\n' "$id" "$command" "$title" "$icon" >"$work/install-names"
put_file "$work/install-names" "$root/install-names" 644
# launcher.json is the publisher's: the bundle's replaces it, as a self-update
# would. The user's choices live in launcher.user.json, which no install writes.
if [ -f "$bundle/launcher.json" ]; then
    if [ -f "$root/launcher.json" ] && ! cmp -s "$bundle/launcher.json" "$root/launcher.json"; then
        say "replaced $root/launcher.json with the bundle's (your own settings go in launcher.user.json)"
    fi
    put_file "$bundle/launcher.json" "$root/launcher.json" 644
fi

# Which version this installation starts now and how the bundle's compares,
# asked of the launcher just installed (its own pick and PEP 440 ordering).
# A launcher that cannot run here (another architecture) answers nothing.
current=$("$root/bomiot-launcher" --installed-version 2>/dev/null) || current=""
order=""
if [ -n "$current" ]; then
    order=$("$root/bomiot-launcher" --compare-versions "$version" "$current" 2>/dev/null) || order=""
fi

version_dir=$root/versions/$version
if [ -f "$version_dir/.bomiot-complete" ]; then
    say "version $version is already installed; kept it"
elif [ "$order" = older ] || [ "$order" = same ]; then
    # An older version would sit in versions/ unused until pruned, and a
    # second spelling of the current one (1.0 beside 1.0.0) would be a copy.
    if [ "$order" = older ]; then
        say "version $version is older than the installed $current; not added"
    else
        say "version $version is the installed $current; not added again"
    fi
else
    # Our own debris, or a folder without its marker: the launcher would
    # remove either as an interrupted install.
    rm -rf "$version_dir.partial" "$version_dir"
    cp -R "$bundle/app" "$version_dir.partial"
    chmod -R u+rwX,go+rX,go-w "$version_dir.partial"
    sync # the files are on disk before the marker that vouches for them
    printf '{"version": "%s"}\n' "$version" >"$version_dir.partial/.bomiot-complete.tmp"
    mv -f "$version_dir.partial/.bomiot-complete.tmp" "$version_dir.partial/.bomiot-complete"
    sync
    mv "$version_dir.partial" "$version_dir"
    sync
    say "installed version $version"
fi
exec 9>&- # the lock

# A version newer than the one this installation runs becomes the current
# one, on trial as an update's would be (a crash on its first run goes
# back): whoever runs a newer installer expects the newer app. The launcher
# owns state.json and does it; while the app runs it refuses, and the
# installed version stays current until this installer runs again.
if [ "$order" = newer ] && [ -f "$version_dir/.bomiot-complete" ]; then
    if ! "$root/bomiot-launcher" --switch-to "$version" >/dev/null 2>&1; then
        say "$title is running: version $version is installed beside $current and becomes the current one when this installer runs again with $title closed"
    fi
fi

# --- the machine's updater (--system) ---------------------------------------
# Users may not write a system-wide root: their launchers run read-only and
# start the current version. A systemd timer runs `bomiot-launcher
# --update-only` as root at boot and every update_interval (the one in force
# now: launcher.json's, or the machine policy's), with jitter, and it
# updates the installation for all of them (docs/deploy.md). With --prefix
# the units are written under it and systemctl is not asked.
# systemd.syntax: a word in double quotes with \ and " escaped, % doubled
# (specifiers). A command's own path is not subject to $VARIABLE expansion
# (systemd-analyze verify says so), only its arguments, and ours have no $.
unit_word() {
    printf '"%s"' "$(printf '%s' "$1" | sed -e 's/[\\"]/\\&/g' -e 's/%/%%/g')"
}
if [ "$mode" = system ]; then
    unit=bomiot-$id-update
    unitdir=$prefix/etc/systemd/system
    interval=$(env -u BOMIOT_UPDATE_INTERVAL "$root/bomiot-launcher" --print-config 2>/dev/null |
        awk '$1 == "update_interval" { print $2 }') || interval=""
    case $interval in
    "" | *[!0-9]*) interval=3600 ;;
    esac
    jitter=$((interval / 4))
    if [ "$jitter" -gt 3600 ]; then jitter=3600; fi
    make_dir "$unitdir"
    {
        echo "# Written by $root/install.sh: the machine's updater of $title (uninstall.sh removes it)."
        echo "[Unit]"
        printf 'Description=Update %s in %s\n' "$(printf '%s' "$title" | sed -e 's/%/%%/g')" \
            "$(printf '%s' "$root" | sed -e 's/%/%%/g')"
        echo "Wants=network-online.target"
        echo "After=network-online.target"
        echo ""
        echo "[Service]"
        echo "Type=oneshot"
        printf 'ExecStart=%s --update-only\n' "$(unit_word "$root/bomiot-launcher")"
        echo "# 10: a version was installed; 11: a launcher of the root's owner was busy (next time)"
        echo "SuccessExitStatus=10 11"
        echo "UMask=0022"
        echo "Nice=10"
        echo "IOSchedulingClass=idle"
        echo "# Everything read-only but the install root, which it updates."
        echo "ProtectSystem=strict"
        printf 'ReadWritePaths=%s\n' "$(unit_word "$root")"
        echo "ProtectHome=read-only"
        echo "PrivateTmp=yes"
        echo "PrivateDevices=yes"
        echo "NoNewPrivileges=yes"
        echo "ProtectKernelTunables=yes"
        echo "ProtectKernelModules=yes"
        echo "ProtectKernelLogs=yes"
        echo "ProtectControlGroups=yes"
        echo "ProtectClock=yes"
        echo "ProtectHostname=yes"
        echo "RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6"
        echo "RestrictNamespaces=yes"
        echo "RestrictRealtime=yes"
        echo "RestrictSUIDSGID=yes"
        echo "LockPersonality=yes"
    } >"$work/$unit.service"
    {
        echo "# Written by $root/install.sh: when the machine's updater of $title runs."
        echo "[Unit]"
        printf 'Description=Update %s regularly\n' "$(printf '%s' "$title" | sed -e 's/%/%%/g')"
        echo ""
        echo "[Timer]"
        echo "# At every boot (which also makes up for checks missed while the machine was off),"
        echo "# then every update_interval ($interval s), each delayed at random by up to a quarter of it."
        echo "OnBootSec=5min"
        if [ "$interval" -gt 0 ]; then echo "OnUnitActiveSec=${interval}s"; fi
        if [ "$jitter" -gt 0 ]; then echo "RandomizedDelaySec=${jitter}s"; fi
        echo "Unit=$unit.service"
        echo ""
        echo "[Install]"
        echo "WantedBy=timers.target"
    } >"$work/$unit.timer"
    put_file "$work/$unit.service" "$unitdir/$unit.service" 644
    put_file "$work/$unit.timer" "$unitdir/$unit.timer" 644
    if [ -z "$prefix" ] && [ -d /run/systemd/system ] && command -v systemctl >/dev/null 2>&1; then
        systemctl daemon-reload && systemctl enable --now "$unit.timer" >/dev/null 2>&1 ||
            echo "$me: warning: could not enable $unit.timer; $title updates only when root starts it" >&2
    elif [ -z "$prefix" ]; then
        say "systemd is not running: $unit.timer is installed but not enabled; updates need root to run $root/bomiot-launcher --update-only"
    fi
fi

# --- entry points outside the root -----------------------------------------
make_dir "$bindir"
link=$bindir/$command
if [ -L "$link" ] || [ ! -e "$link" ]; then
    ln -s "$root/bomiot-launcher" "$link.bomiot-tmp"
    mv -f "$link.bomiot-tmp" "$link"
    record link "$link"
else
    say "$link exists and is not a link; left it alone (start $title with $root/bomiot-launcher)"
fi

if [ -d "$bundle/icons" ]; then
    (cd "$bundle/icons" && find . -type f \( -name "$icon.png" -o -name "$icon.svg" \)) | while IFS= read -r file; do
        file=${file#./}
        make_dir "$(dirname "$iconsdir/$file")"
        put_file "$bundle/icons/$file" "$iconsdir/$file" 644
    done
fi
make_dir "$appsdir"
put_file "$entry" "$appsdir/$id.desktop" 644

# Caches are kept fresh where they exist, never created: a cache we created
# in a shared folder would outlive us, and go stale as other apps add icons.
# The entry declares no MimeType, so a missing mimeinfo.cache needs nothing.
if [ -f "$appsdir/mimeinfo.cache" ] && command -v update-desktop-database >/dev/null 2>&1; then
    update-desktop-database -q "$appsdir" || true
fi
if [ -f "$iconsdir/icon-theme.cache" ] && command -v gtk-update-icon-cache >/dev/null 2>&1; then
    gtk-update-icon-cache -q -t -f "$iconsdir" || true
fi

# The version a start runs, which after an update is not the bundle's.
current=$("$root/bomiot-launcher" --installed-version 2>/dev/null) || current=$version
if [ "$current" = "$version" ]; then
    say "$title $version is installed in $root"
else
    say "$title $current is installed in $root and stays the current version (this bundle has $version)"
fi
say "  menu entry: $appsdir/$id.desktop"
say "  command:    $link"
case ":${PATH:-}:" in
*":$bindir:"*) ;;
*) say "  ($bindir is not on your PATH)" ;;
esac
say "  uninstall:  $root/uninstall.sh"
# SPDX-License-Identifier: Apache-2.0
