#!/usr/bin/env bash
# Runs once, on the primary's first start (the image's docker-entrypoint.sh runs
# /docker-entrypoint-initdb.d/* against a temporary, socket-only server after initdb):
#   - the login roles: `replicator` for the standby, `tickscope_ingester` for ingest,
#     `tickscope_api` for ingest's query API (it may only read) and `postgres_exporter` for
#     monitoring, each with its password read from its Docker secret file (never from the
#     environment or the compose file);
#   - Tickscope's group roles, created here as migration 0001 would (it skips existing ones), so
#     that the ingest login can be granted them before the schema is migrated;
#   - the physical replication slot that the standby streams from, so the primary keeps the WAL
#     it has not received;
#   - a pg_hba.conf line that lets `replicator` connect for replication, and lines that refuse
#     every connection as tickscope_admin (it may log in only so that the schedulers' background
#     workers run its jobs; it has no password, and the image trusts local connections);
#   - the pgBackRest stanza, so that archive_command succeeds from the start.
set -euo pipefail

secret() {
    local file="/run/secrets/$1"
    [[ -s $file ]] || {
        echo "init-primary: the secret $1 is missing or empty (see deploy/secrets/README.md)" >&2
        exit 1
    }
    echo "$file"
}
replication_file=$(secret replication_password)
ingest_file=$(secret tickscope_ingest_password)
api_file=$(secret tickscope_api_password)
exporter_file=$(secret postgres_exporter_password)
slot=${STANDBY_SLOT:-standby1}

# psql reads each password itself (\set NAME `cat FILE`): it never appears in a command line.
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" \
    -v slot="$slot" <<SQL
\set replication_password \`tr -d '\n' < $replication_file\`
\set ingest_password \`tr -d '\n' < $ingest_file\`
\set api_password \`tr -d '\n' < $api_file\`
\set exporter_password \`tr -d '\n' < $exporter_file\`

CREATE ROLE replicator WITH LOGIN REPLICATION PASSWORD :'replication_password';

CREATE ROLE tickscope_ingest NOLOGIN;
CREATE ROLE tickscope_reader NOLOGIN;
CREATE ROLE tickscope_admin NOLOGIN;
-- Ingest appends (tickscope_ingest) and reads the migration ledger to see that the schema is
-- current (tickscope_reader).
CREATE ROLE tickscope_ingester WITH LOGIN PASSWORD :'ingest_password'
    IN ROLE tickscope_ingest, tickscope_reader;
-- The query API and whatever else only reads: Tickscope refuses a reader_conninfo that can write.
CREATE ROLE tickscope_api WITH LOGIN PASSWORD :'api_password' IN ROLE tickscope_reader;

CREATE ROLE postgres_exporter WITH LOGIN PASSWORD :'exporter_password' IN ROLE pg_monitor;

SELECT pg_create_physical_replication_slot(:'slot');
SQL

echo "host replication replicator all scram-sha-256" >>"$PGDATA/pg_hba.conf"
# The first matching line decides: these go before the image's own.
sed -i '1i local all tickscope_admin reject\nhost all tickscope_admin all reject' \
    "$PGDATA/pg_hba.conf"

pgbackrest --stanza=tickscope stanza-create
