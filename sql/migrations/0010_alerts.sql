-- Tickscope migration 0010: the alert history.
--
-- One row per alert that fired: its rule and subject (a standby, a slot, a disk, a feed), its
-- severity and latest message, when it fired, was last seen and resolved, and who acknowledged
-- it with what note (the acknowledgement is also an operator action). The console's alerts panel
-- reads its history here; the rules themselves live in the config file.
SET LOCAL ROLE tickscope_admin;

CREATE TABLE audit.alerts (
    alert_id        bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    rule            text NOT NULL,
    subject         text NOT NULL DEFAULT '',
    severity        text NOT NULL CHECK (severity IN ('warning', 'critical')),
    message         text NOT NULL,
    first_seen      timestamptz NOT NULL,
    last_seen       timestamptz NOT NULL,
    resolved_at     timestamptz,
    acknowledged_by text,
    acknowledged_at timestamptz,
    note            text,
    CHECK (resolved_at IS NULL OR resolved_at >= first_seen)
);
-- At most one open alert per rule and subject.
CREATE UNIQUE INDEX alerts_open ON audit.alerts (rule, subject) WHERE resolved_at IS NULL;
CREATE INDEX alerts_first_seen ON audit.alerts (first_seen DESC);
