#!/usr/bin/env bash
# Entrypoint of Tickscope's image: runs the command as the unprivileged `tickscope` user (made by
# the package) after writing libpq's passfile from Docker secrets.
#
# Why a copy: a Docker secret is a bind mount with the host file's owner and mode, and libpq
# ignores a passfile that others can read. TICKSCOPE_PASSFILE_LOGINS lists LOGIN=SECRET pairs
# (e.g. "tickscope_ingester=tickscope_ingest_password"); each becomes a line
# `*:*:*:LOGIN:PASSWORD` of /run/tickscope/pgpass (mode 0600, tmpfs-like /run, never on a
# volume), which the config's conninfo names with passfile=.
set -euo pipefail

run_dir=/run/tickscope
passfile=$run_dir/pgpass

umask 077
install -d -o tickscope -g tickscope -m 0700 "$run_dir"
: >"$passfile"
for pair in ${TICKSCOPE_PASSFILE_LOGINS:-}; do
    login=${pair%%=*}
    secret=/run/secrets/${pair#*=}
    if [[ ! -s $secret ]]; then
        echo "tickscope-entrypoint: the secret $secret is missing or empty" >&2
        exit 1
    fi
    # libpq's format: host:port:database:user:password, with ':' and '\' escaped.
    printf '*:*:*:%s:%s\n' "$login" "$(tr -d '\n' <"$secret" | sed 's/[\\:]/\\&/g')" >>"$passfile"
done
chown tickscope:tickscope "$passfile"
# The journal volume: owned by the user that writes it, also when it was made by another image.
chown tickscope:tickscope /var/lib/tickscope

exec setpriv --reuid=tickscope --regid=tickscope --init-groups --inh-caps=-all -- "$@"
