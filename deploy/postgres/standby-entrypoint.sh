#!/usr/bin/env bash
# The standby's entrypoint: on its first start (an empty data volume) it copies the primary with
# pg_basebackup over the replication slot that the primary's init script made, with -R (a
# standby.signal and the connection to the primary); on every start it writes the replication
# password from its Docker secret into a private passfile that primary_conninfo names, then hands
# over to the image's own entrypoint, which starts PostgreSQL as a hot standby.
# The primary_conninfo that -R writes holds the password libpq read; it is replaced by one that
# names the passfile instead.
set -euo pipefail

primary=${PRIMARY_HOST:-primary}
slot=${STANDBY_SLOT:-standby1}
passfile=/var/lib/postgresql/replication.pgpass
secret=/run/secrets/replication_password

[[ -s $secret ]] || {
    echo "standby: the secret replication_password is missing (see deploy/secrets/README.md)" >&2
    exit 1
}
# libpq's passfile format is host:port:database:user:password, with ':' and '\' escaped.
umask 077
printf '*:*:*:replicator:%s\n' "$(tr -d '\n' <"$secret" | sed 's/[\\:]/\\&/g')" >"$passfile"
chown postgres:postgres "$passfile"

if [[ ! -s $PGDATA/PG_VERSION ]]; then
    install -d -o postgres -g postgres -m 0700 "$PGDATA"
    until su-exec postgres pg_isready -q -h "$primary" -p 5432; do
        echo "standby: waiting for $primary" >&2
        sleep 2
    done
    echo "standby: copying $primary with pg_basebackup over slot $slot" >&2
    su-exec postgres env PGPASSFILE="$passfile" pg_basebackup --pgdata="$PGDATA" \
        --host="$primary" --port=5432 --username=replicator --slot="$slot" \
        --wal-method=stream --write-recovery-conf --checkpoint=fast --progress
    sed -i '/^primary_conninfo/d' "$PGDATA/postgresql.auto.conf"
    echo "primary_conninfo = 'host=$primary port=5432 user=replicator passfile=$passfile application_name=standby'" \
        >>"$PGDATA/postgresql.auto.conf"
fi

exec docker-entrypoint.sh "$@"
