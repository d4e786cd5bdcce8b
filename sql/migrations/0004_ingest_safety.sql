-- Tickscope migration 0004: what the ingest core needs so that no data goes missing silently.
--
-- * A checkpoint belongs to one journal: journal_id is the identity written into the journal's
--   directory when it was created (journal.id). A writer that finds another journal than its
--   checkpoint's (deleted, moved, another directory, another user's data root), or a checkpoint
--   ahead of everything the journal holds, starts a new epoch from the journal's beginning and
--   records it here, instead of skipping what it has not committed.
SET LOCAL ROLE tickscope_admin;

ALTER TABLE audit.ingest_checkpoints ADD COLUMN journal_id text;

CREATE TABLE audit.journal_epochs (
    epoch_id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    feed                text NOT NULL,
    journal_id          text NOT NULL,
    started_at          timestamptz NOT NULL DEFAULT now(),
    previous_journal_id text,                  -- the checkpoint's journal; NULL: none recorded
    previous_segment    bigint,                -- the checkpoint that was not applied
    previous_offset     bigint,
    reason              text NOT NULL
);
CREATE INDEX journal_epochs_feed_started ON audit.journal_epochs (feed, started_at DESC);

GRANT INSERT ON audit.journal_epochs TO tickscope_ingest;
