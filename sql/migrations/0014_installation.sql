-- Tickscope migration 0014: the database's own identity.
--
-- * A journal records the database it feeds (the "database" line of its journal.id), so that a
--   database without a checkpoint of a feed can tell a journal that fed it (its first batch was
--   never committed: everything is taken) from a journal that fed another database (earlier
--   runs, tests, a simulator under the same name: their records are not this database's, and it
--   starts at the journal's end unless `--from-journal-start` says otherwise). A restored backup
--   or a promoted standby carries the same id, as it carries the same checkpoints.
SET LOCAL ROLE tickscope_admin;

CREATE TABLE audit.installation (
    installation_id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    created_at      timestamptz NOT NULL DEFAULT now(),
    one_row         boolean NOT NULL DEFAULT true UNIQUE CHECK (one_row)
);
INSERT INTO audit.installation DEFAULT VALUES;

GRANT SELECT ON audit.installation TO tickscope_ingest;
