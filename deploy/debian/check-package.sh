#!/usr/bin/env bash
# The Debian package, end to end, as root on a machine where pistream is not installed (`.ci/run`
# runs it; it can be run by hand the same way): builds the amd64 package with cargo-deb, installs it
# with dpkg, checks its files, user and unit, runs the installed binary as the package user with the
# installed settings and fetches a frame, takes a photo, upgrades in place (the owner's pages stay),
# removes and purges, and checks that only the photos and the owner's own page are left.
# Whatever happens, it leaves the machine as it found it (a trap stops the server and purges).
set -euo pipefail
cd "$(dirname "$0")/../.."

step() { echo "-- $*"; }
fail() { echo "check-package: $*" >&2; exit 1; }

[ "$(id -u)" = 0 ] || fail "run as root (it installs and purges a package)"
if dpkg-query -W -f='${Status}' pistream 2>/dev/null | grep -q installed; then
    fail "pistream is installed on this machine: not touching it"
fi
[ -e /var/lib/pistream ] && fail "/var/lib/pistream exists: not touching it"

work=$(mktemp -d)
server=
cleanup() {
    if [ -n "$server" ]; then kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; fi
    dpkg --purge pistream >/dev/null 2>&1 || true
    rm -rf /var/lib/pistream "$work"
}
trap cleanup EXIT

step "build (cargo deb, release, --features pi)"
deb=$(cargo deb --quiet 2>"$work/build.log" | tail -n 1) || { cat "$work/build.log" >&2; fail "cargo deb failed"; }
[ -f "$deb" ] || fail "cargo deb printed no package path: $deb"
echo "$deb ($(du -k "$deb" | cut -f1) KiB)"
dpkg-deb --info "$deb" | grep -E '^ (Package|Version|Architecture|Depends):'

step "install"
dpkg -i "$deb" >/dev/null
for f in /usr/bin/pistream /usr/lib/systemd/system/pistream.service /etc/default/pistream \
    /usr/share/man/man1/pistream.1.gz /usr/share/bash-completion/completions/pistream \
    /usr/share/zsh/vendor-completions/_pistream /usr/share/fish/vendor_completions.d/pistream.fish \
    /usr/share/pistream/content/index.md /var/lib/pistream/content/index.md; do
    [ -e "$f" ] || fail "missing after install: $f"
done
dpkg-query -W -f='${Conffiles}\n' pistream | grep -q '/etc/default/pistream' ||
    fail "/etc/default/pistream is not a conffile"
/usr/bin/pistream --version
man -l /usr/share/man/man1/pistream.1.gz 2>/dev/null | grep -q -- '--metrics-public' ||
    fail "the man page does not render or lacks the flags"

step "user"
getent passwd pistream | grep -q ':/var/lib/pistream:/usr/sbin/nologin$' || fail "user pistream: $(getent passwd pistream)"
id -nG pistream | tr ' ' '\n' | grep -qx video || fail "pistream is not in group video: $(id -nG pistream)"
[ "$(stat -c %U:%G /var/lib/pistream)" = pistream:pistream ] || fail "/var/lib/pistream is $(stat -c %U:%G /var/lib/pistream)"
[ "$(stat -c %U /var/lib/pistream/content/index.md)" = pistream ] || fail "the sample pages are not the user's"

step "unit"
if command -v systemd-analyze >/dev/null; then
    # Exits non-zero on any problem it reports (unknown directive, missing ExecStart binary, ...).
    systemd-analyze verify /usr/lib/systemd/system/pistream.service
    echo "systemd-analyze verify: clean"
else
    echo "systemd-analyze is not installed: the unit was not verified"
fi
grep -qx 'Type=notify' /usr/lib/systemd/system/pistream.service || fail "the unit is not Type=notify"
[ -L /etc/systemd/system/multi-user.target.wants/pistream.service ] || fail "the unit is not enabled"

step "run /usr/bin/pistream as pistream with /etc/default/pistream (camera: mock, bind: loopback)"
# This machine has no camera and may have no systemd as PID 1: run the binary by hand with the
# installed settings, only the camera and the address overridden.
(
    set -a
    # shellcheck disable=SC1091
    . /etc/default/pistream
    set +a
    export PISTREAM_CAMERA=mock PISTREAM_BIND=127.0.0.1:0
    cd /var/lib/pistream
    exec setpriv --reuid=pistream --regid=pistream --init-groups /usr/bin/pistream
) >"$work/out" 2>"$work/err" &
server=$!
for _ in $(seq 300); do
    grep -q 'listening on http://' "$work/out" && break
    kill -0 "$server" 2>/dev/null || { cat "$work/err" >&2; fail "pistream exited at start"; }
    sleep 0.1
done
url=$(grep -o 'http://[0-9.:]*' "$work/out") || { cat "$work/err" >&2; fail "no banner"; }
[ "$(stat -c %U /proc/"$server")" = pistream ] || fail "the server does not run as pistream"
curl -sSf --max-time 30 "$url/snapshot.jpg" -o "$work/frame.jpg"
[ "$(head -c 2 "$work/frame.jpg" | od -An -tx1 | tr -d ' ')" = ffd8 ] || fail "the frame is not a JPEG"
echo "a frame: $(stat -c %s "$work/frame.jpg") bytes"
curl -sSf --max-time 30 "$url/healthz" >/dev/null
curl -sSf --max-time 30 "$url/pages/about" | grep -q '<html' || fail "the sample pages are not served"
curl -sSf --max-time 30 -X POST -H 'Accept: application/json' "$url/photos" >"$work/photo.json"
photo=$(sed -n 's/.*"name":"\([^"]*\)".*/\1/p' "$work/photo.json")
[ -n "$photo" ] && [ -f "/var/lib/pistream/pic/$photo" ] || fail "no photo in /var/lib/pistream/pic: $(cat "$work/photo.json")"
[ "$(stat -c %U "/var/lib/pistream/pic/$photo")" = pistream ] || fail "the photo is not the user's"
kill -TERM "$server"
wait "$server" || fail "pistream did not exit cleanly on SIGTERM"
server=

step "upgrade in place: the owner's pages stay as they are"
echo "changed by the owner" >>/var/lib/pistream/content/about.md
printf '# Mine\n' >/var/lib/pistream/content/mine.md
rm /var/lib/pistream/content/setup.md
dpkg -i "$deb" >/dev/null
grep -q "changed by the owner" /var/lib/pistream/content/about.md || fail "the upgrade overwrote about.md"
[ ! -e /var/lib/pistream/content/setup.md ] || fail "the upgrade put back a page the owner deleted"

step "remove: the program goes, photos, pages and settings stay"
dpkg -r pistream >/dev/null
[ ! -e /usr/bin/pistream ] || fail "/usr/bin/pistream is still there"
[ -f "/var/lib/pistream/pic/$photo" ] || fail "remove deleted the photo"
[ -f /etc/default/pistream ] || fail "remove deleted the settings (a conffile stays until purge)"

step "purge: only the photos and the owner's pages are left"
dpkg --purge pistream >/dev/null
left=$(cd /var/lib/pistream && find . -mindepth 1 | sort | tr '\n' ' ')
want=$(printf '%s\n' ./content ./content/about.md ./content/mine.md ./pic "./pic/$photo" | sort | tr '\n' ' ')
[ "$left" = "$want" ] || fail "after purge /var/lib/pistream holds: $left (want: $want)"
for f in /etc/default/pistream /usr/lib/systemd/system/pistream.service /usr/share/pistream \
    /etc/systemd/system/multi-user.target.wants/pistream.service /var/lib/pistream/.package; do
    [ ! -e "$f" ] || fail "left after purge: $f"
done
! getent passwd pistream >/dev/null || fail "the user pistream is left after purge"
! getent group pistream >/dev/null || fail "the group pistream is left after purge"
owned=$(find /var/lib/pistream ! -user root | tr '\n' ' ')
[ -z "$owned" ] || fail "files still owned by the deleted user's id: $owned"
echo "left: $left"
echo "package check: passed"
