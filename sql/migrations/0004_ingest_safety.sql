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

-- * A journal record the database refuses for its content (a data exception, a check
--   constraint) is set aside here with its raw bytes and the server's error, and ingestion goes
--   on; so is the unreadable rest of a corrupt journal segment (payload NULL: the file stays on
--   disk). Retrying such a record would stall the feed forever.
CREATE TABLE audit.quarantine (
    quarantine_id   bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    quarantined_at  timestamptz NOT NULL DEFAULT now(),
    feed            text NOT NULL,
    journal_id      text,
    journal_segment bigint NOT NULL,
    journal_offset  bigint NOT NULL,           -- the record's index in its segment
    received_at     timestamptz,
    record_kind     text NOT NULL CHECK (record_kind IN ('frame', 'rest', 'marker', 'unreadable')),
    payload         bytea,                     -- the raw record as journaled
    sqlstate        text,                      -- the server's error code; NULL when unreadable
    error           text NOT NULL,
    UNIQUE (feed, journal_id, journal_segment, journal_offset)
);
CREATE INDEX quarantine_feed_time ON audit.quarantine (feed, quarantined_at DESC);

GRANT INSERT ON audit.quarantine TO tickscope_ingest;

-- * Gaps by time where there is no sequence to tell them by: a book checksum that did not match,
--   a disconnect, an outage (the journal's disk was full and the feed paused), a symbol gone
--   silent. Such a gap has a window (gap_start, gap_end) and a note with its cause, no ids.
ALTER TABLE audit.gaps DROP CONSTRAINT gaps_kind_check;
ALTER TABLE audit.gaps ADD CONSTRAINT gaps_kind_check CHECK (kind IN ('trade_id', 'book_sequence',
    'checksum', 'disconnect', 'outage', 'silence'));
ALTER TABLE audit.gaps ALTER COLUMN first_missing DROP NOT NULL,
                       ALTER COLUMN last_missing DROP NOT NULL;
ALTER TABLE audit.gaps ADD CONSTRAINT gaps_sequence_or_window CHECK (
    CASE WHEN kind IN ('trade_id', 'book_sequence')
         THEN first_missing IS NOT NULL AND last_missing IS NOT NULL
         ELSE gap_start IS NOT NULL AND gap_end IS NOT NULL AND gap_start <= gap_end END);
-- A replay finds a window gap again too: it is recorded once.
CREATE UNIQUE INDEX gaps_window_key ON audit.gaps (instrument_id, kind, gap_start, gap_end)
    WHERE first_missing IS NULL;

-- * A feed pauses when its journal's disk is full and resumes when there is room again.
ALTER TABLE audit.feed_events DROP CONSTRAINT feed_events_event_check;
ALTER TABLE audit.feed_events ADD CONSTRAINT feed_events_event_check CHECK (event IN ('connect',
    'disconnect', 'subscribe', 'subscribed', 'error', 'reconnect', 'shutdown_notice', 'resync',
    'pause', 'resume'));
