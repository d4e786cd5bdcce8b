-- Tickscope migration 0001: the TimescaleDB extension, the three schemas and the three roles.
--
-- Roles are NOLOGIN groups; people and services log in as their own users and are granted one:
--   tickscope_ingest  the ingestor: inserts market data and audit rows, reads only what it must
--                     (the instrument list, its own checkpoints), never deletes or alters anything.
--   tickscope_reader  the console, the query API, quants and compliance: SELECT everywhere.
--   tickscope_admin   owns the schemas and every table, so migrations and policy changes run as it.
-- Roles are cluster-wide, so they may already exist when a second database is set up.
-- No database-level grant is needed: CONNECT and TEMPORARY belong to PUBLIC by default, and the
-- schemas are created here, by the migrating superuser, already owned by tickscope_admin.

CREATE EXTENSION IF NOT EXISTS timescaledb;

DO $roles$
DECLARE
    role_name text;
BEGIN
    FOREACH role_name IN ARRAY ARRAY['tickscope_ingest', 'tickscope_reader', 'tickscope_admin'] LOOP
        IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = role_name) THEN
            EXECUTE format('CREATE ROLE %I NOLOGIN', role_name);
        END IF;
    END LOOP;
END
$roles$;

-- Nobody else gets to create objects in the public schema of our database.
REVOKE CREATE ON SCHEMA public FROM PUBLIC;

CREATE SCHEMA IF NOT EXISTS market_data AUTHORIZATION tickscope_admin;
CREATE SCHEMA IF NOT EXISTS aggregates AUTHORIZATION tickscope_admin;
-- The migrator created audit (it holds audit.schema_migrations); hand it to the admin role.
CREATE SCHEMA IF NOT EXISTS audit;
ALTER SCHEMA audit OWNER TO tickscope_admin;

GRANT USAGE ON SCHEMA market_data, aggregates, audit TO tickscope_ingest, tickscope_reader;
GRANT SELECT ON audit.schema_migrations TO tickscope_reader, tickscope_admin;

-- Whatever tickscope_admin creates later is readable by the reader role without another grant.
ALTER DEFAULT PRIVILEGES FOR ROLE tickscope_admin IN SCHEMA market_data, aggregates, audit
    GRANT SELECT ON TABLES TO tickscope_reader;
