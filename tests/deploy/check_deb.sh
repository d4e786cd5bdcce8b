#!/usr/bin/env bash
# tests/deploy/check_deb.sh BUILD_DIR SOURCE_DIR proves that Tickscope's Debian package installs
# and works on a clean Debian 13 machine (ctest deploy_deb, label integration, run as root
# inside scripts/devenv after the build):
#   1. `cpack -G DEB` packages the built tree into a temporary directory;
#   2. a base root holding minbase plus exactly the packages that the .deb's Depends and
#      Recommends name (made by scripts/debian-root, cached under $TICKSCOPE_DEVENV_CACHE, default
#      /var/cache/tickscope, as debroot-trixie-<hash of that list>) is copied for this run;
#   3. `apt-get install ./tickscope_*.deb` installs it into the copy (apt checks every version
#      constraint; nothing needs downloading when the cache is warm);
#   4. in the copy: `tickscope --version` (every shared library resolves), the postinst's
#      `tickscope` user, the man page, desktop entry and units in place, and - as that user,
#      since initdb refuses root - `tickscope local-db init --data-dir D --port P`, then `start`
#      (timescaledb and pg_cron preload), `status` and `stop`.
# The base root has only what the package declares, so a missing Depends fails step 4. Its cache
# key changes with the Depends, and roots of older keys are removed. Prints each step's time.
set -euo pipefail

build_dir=$(cd "${1:?usage: check_deb.sh BUILD_DIR SOURCE_DIR}" && pwd -P)
source_dir=$(cd "${2:?usage: check_deb.sh BUILD_DIR SOURCE_DIR}" && pwd -P)
suite=trixie
cache_dir=${TICKSCOPE_DEVENV_CACHE:-/var/cache/tickscope}

die() {
    echo "deploy_deb: $*" >&2
    exit 1
}
step_started=$(date +%s.%N)
test_started=$step_started
step_done() {
    local now
    now=$(date +%s.%N)
    awk -v what="$1" -v a="$now" -v b="$step_started" \
        'BEGIN {printf "deploy_deb: %-52s %6.1f s\n", what, a - b}'
    step_started=$now
}

[[ $(id -u) -eq 0 ]] || die "needs root (chroot, mounts): run it inside scripts/devenv"
for tool in cpack dpkg-deb dpkg-shlibdeps file unshare chroot; do
    command -v "$tool" >/dev/null ||
        die "$tool is missing (packages dpkg-dev and file of scripts/devenv-packages.txt)"
done

# Mounts made for the root stay in a namespace of their own. Inside scripts/devenv's chroot, "/"
# is no mount point and cannot be made private; the devenv's namespace already keeps them there.
propagation=private
unshare --mount --propagation private true 2>/dev/null || propagation=unchanged
work=$(mktemp -d "${TMPDIR:-/tmp}/tickscope-deb.XXXXXX")
root=$work/root
cleanup() {
    local status=$?
    # A server left running holds the copy busy: stop it before removing anything.
    if [[ -f $root/tmp/tickscope-db/postmaster.pid ]]; then
        unshare --mount --propagation "$propagation" bash -c '
            mount -t proc proc "$1/proc" && chroot "$1" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin \
                runuser -u tickscope -- tickscope local-db stop --data-dir /tmp/tickscope-db' _ "$root" \
            >/dev/null 2>&1 || true
    fi
    rm -rf "$work"
    exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# 1. The package.
(cd "$build_dir" && cpack -G DEB -B "$work/package" >"$work/cpack.log" 2>&1) || {
    cat "$work/cpack.log" >&2
    die "cpack failed"
}
deb=$(find "$work/package" -maxdepth 1 -name 'tickscope_*.deb' | head -n1)
[[ -n $deb ]] || die "cpack made no tickscope_*.deb"
version=$(dpkg-deb -f "$deb" Version)
step_done "cpack -G DEB ($(basename "$deb"))"

# 2. The base root: minbase + the package's Depends and Recommends (first of each alternative,
# without versions), cached by that list.
mapfile -t packages < <(dpkg-deb -f "$deb" Depends Recommends | sed -e 's/^[A-Za-z-]*: //' |
    tr ',' '\n' | sed -e 's/|.*//' -e 's/(.*)//' -e 's/[[:space:]]//g' -e '/^$/d' | sort -u)
key=$(printf '%s\n' "$suite" "${packages[@]}" | sha256sum | cut -c1-16)
base="$cache_dir/debroot-$suite-$key"
if [[ ! -f $base/.tickscope-debroot-complete ]]; then
    mkdir -p "$cache_dir"
    exec 9>"$cache_dir/debroot.lock"
    flock 9
    if [[ ! -f $base/.tickscope-debroot-complete ]]; then
        "$source_dir/scripts/debian-root" --logs "$cache_dir/debroot-" "$base.partial" "${packages[@]}"
        date -u +%FT%TZ >"$base.partial/.tickscope-debroot-complete"
        mv "$base.partial" "$base"
        find "$cache_dir" -maxdepth 1 -name "debroot-$suite-*" ! -path "$base" ! -name '*.log' \
            -exec rm -rf {} + || true
        step_done "base root made (${#packages[@]} packages, cold cache)"
    else
        step_done "base root made by another run meanwhile"
    fi
    flock -u 9
    exec 9>&-
else
    step_done "base root found (warm cache)"
fi

# 3. A copy of it for this run, and the package installed into the copy.
cp -a --reflink=auto "$base" "$root"
step_done "base root copied"
cp "$deb" "$root/tmp/"
chmod 644 "$root/tmp/$(basename "$deb")"

# A free port on loopback (the copy shares this host's network): nothing answers on it. Below
# Linux's ephemeral range (32768 and up), so that no client socket of a test running beside
# this one takes it between the check and the server's start.
port=
for _ in $(seq 1 50); do
    candidate=$((20000 + RANDOM % 12000))
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$candidate") 2>/dev/null; then
        port=$candidate
        break
    fi
done
[[ -n $port ]] || die "no free port found"

in_root() {
    unshare --mount --propagation "$propagation" bash -c '
        set -e
        target=$1
        shift
        mount -t proc proc "$target/proc"
        mount --rbind /dev "$target/dev"
        exec chroot "$target" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8 \
            DEBIAN_FRONTEND=noninteractive "$@"
    ' _ "$root" "$@"
}

in_root bash -c 'cd /tmp && apt-get install -y -q ./tickscope_*.deb' >"$work/install.log" 2>&1 || {
    cat "$work/install.log" >&2
    die "apt-get install ./$(basename "$deb") failed"
}
downloaded=$(grep -cE '^Get:[0-9]+ (https?|ftp):' "$work/install.log" || true)
step_done "apt-get install ./$(basename "$deb") ($downloaded downloads)"

# 4. What an operator runs first.
failures=0
check() {
    local what=$1
    shift
    if ! "$@"; then
        echo "FAIL: $what" >&2
        failures=$((failures + 1))
    fi
}
as_user() {
    in_root runuser -u tickscope -- env HOME=/var/lib/tickscope "$@"
}

reported=$(in_root tickscope --version 2>&1) || true
check "tickscope --version says '$reported', not 'tickscope $version'" \
    test "$reported" = "tickscope $version"
check "the postinst made the tickscope user" in_root getent passwd tickscope >/dev/null
for file in /usr/share/man/man1/tickscope.1.gz /usr/share/applications/tickscope.desktop \
    /usr/share/icons/hicolor/scalable/apps/tickscope.svg \
    /usr/lib/systemd/system/tickscope-ingest.service \
    /usr/lib/systemd/system/tickscope-policies.timer; do
    check "$file is installed" test -s "$root$file"
done
step_done "--version, user and files"

if as_user tickscope local-db init --data-dir /tmp/tickscope-db --port "$port" >"$work/init.log" 2>&1; then
    step_done "local-db init --port $port (as tickscope)"
    check "local-db start" as_user tickscope local-db start --data-dir /tmp/tickscope-db
    check "local-db status says running" as_user tickscope local-db status --data-dir /tmp/tickscope-db
    check "local-db stop" as_user tickscope local-db stop --data-dir /tmp/tickscope-db
    step_done "local-db start, status, stop"
else
    cat "$work/init.log" >&2
    check "local-db init --data-dir D --port $port" false
fi

total=$(awk -v a="$(date +%s.%N)" -v b="$test_started" 'BEGIN {printf "%.1f", a - b}')
if [[ $failures -gt 0 ]]; then
    die "$failures check(s) failed ($total s)"
fi
echo "deploy_deb: tickscope $version installs and runs on a fresh Debian 13 root ($total s)"
