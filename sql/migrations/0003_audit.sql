-- Tickscope migration 0003: the audit trail that risk and compliance rely on.
-- The ingest role may append to these tables but never read, change or delete what is there
-- (the one exception is its own checkpoint, which it must read on start and move forward).
SET LOCAL ROLE tickscope_admin;

-- One row per committed COPY batch: what landed, from where in the journal, and its checksum.
CREATE TABLE audit.ingest_batches (
    batch_id        bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    feed            text NOT NULL,
    target_table    text NOT NULL,
    row_count       integer NOT NULL CHECK (row_count >= 0),
    first_time      timestamptz,
    last_time       timestamptz,
    journal_segment bigint,
    journal_offset  bigint,
    checksum        bigint NOT NULL,            -- xxh64 of the batch's rows as written
    started_at      timestamptz NOT NULL,
    committed_at    timestamptz NOT NULL DEFAULT now(),
    duration_ms     double precision NOT NULL
);
CREATE INDEX ingest_batches_feed_committed ON audit.ingest_batches (feed, committed_at DESC);

-- Connects, disconnects (with the reason), subscription acks and errors of every feed.
CREATE TABLE audit.feed_events (
    event_id   bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    time       timestamptz NOT NULL DEFAULT now(),
    feed       text NOT NULL,
    event      text NOT NULL CHECK (event IN ('connect', 'disconnect', 'subscribe', 'subscribed',
                                              'error', 'reconnect', 'shutdown_notice', 'resync')),
    detail     text
);
CREATE INDEX feed_events_feed_time ON audit.feed_events (feed, time DESC);

-- Every gap noticed in a sequence (trade ids, book update ids) and what became of it.
CREATE TABLE audit.gaps (
    gap_id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    detected_at    timestamptz NOT NULL DEFAULT now(),
    instrument_id  integer NOT NULL REFERENCES market_data.instruments,
    kind           text NOT NULL CHECK (kind IN ('trade_id', 'book_sequence')),
    first_missing  bigint NOT NULL,
    last_missing   bigint NOT NULL,
    gap_start      timestamptz,                  -- exchange time of the last row before the gap
    gap_end        timestamptz,                  -- exchange time of the first row after it
    status         text NOT NULL DEFAULT 'open'
                   CHECK (status IN ('open', 'backfilled', 'unrecoverable')),
    resolved_at    timestamptz,
    note           text,
    CHECK (first_missing <= last_missing),
    -- A replay of the journal finds the same gaps again; they are recorded once.
    UNIQUE (instrument_id, kind, first_missing, last_missing)
);
CREATE INDEX gaps_instrument_detected ON audit.gaps (instrument_id, detected_at DESC);

-- Journal segments on disk, sealed with their checksum, so an archive can be verified later.
CREATE TABLE audit.journal_segments (
    feed             text NOT NULL,
    segment          bigint NOT NULL,
    path             text NOT NULL,
    first_received_at timestamptz,
    last_received_at  timestamptz,
    frame_count      bigint NOT NULL DEFAULT 0,
    byte_count       bigint NOT NULL DEFAULT 0,
    checksum         text,                       -- xxh64 of the file, set when sealed
    sealed_at        timestamptz,
    PRIMARY KEY (feed, segment)
);

-- How far each feed's journal is committed to the database; replay starts after it.
CREATE TABLE audit.ingest_checkpoints (
    feed            text PRIMARY KEY,
    journal_segment bigint NOT NULL,
    journal_offset  bigint NOT NULL,
    updated_at      timestamptz NOT NULL DEFAULT now()
);

-- The last sequence number seen per instrument and kind as of the checkpoint, so that gap
-- detection continues across restarts instead of trusting the first message after one.
CREATE TABLE audit.sequence_positions (
    instrument_id  integer NOT NULL REFERENCES market_data.instruments,
    kind           text NOT NULL CHECK (kind IN ('trade_id', 'book_sequence')),
    last_sequence  bigint NOT NULL,
    last_time      timestamptz,
    updated_at     timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (instrument_id, kind)
);

-- Whatever an operator did through the console or the CLI that changes state.
CREATE TABLE audit.operator_actions (
    action_id  bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    time       timestamptz NOT NULL DEFAULT now(),
    db_user    text NOT NULL DEFAULT session_user,
    os_user    text,
    host       text,
    action     text NOT NULL,
    target     text,
    detail     jsonb,
    outcome    text NOT NULL CHECK (outcome IN ('started', 'succeeded', 'failed', 'cancelled'))
);
CREATE INDEX operator_actions_time ON audit.operator_actions (time DESC);

GRANT INSERT ON audit.ingest_batches, audit.feed_events, audit.gaps, audit.journal_segments,
    audit.operator_actions TO tickscope_ingest;
GRANT SELECT, INSERT, UPDATE ON audit.ingest_checkpoints, audit.sequence_positions
    TO tickscope_ingest;
-- Closing a gap once its trades were fetched (or found not to exist) is the ingestor's job too.
GRANT SELECT (instrument_id, kind, first_missing, last_missing, status),
    UPDATE (status, resolved_at, note) ON audit.gaps TO tickscope_ingest;
