-- Out-of-band post detection (internal/social/watch). channel_id refers to
-- channels(id), which the publishing migration creates; the reference is
-- added when both are merged.
--
-- watch_channels keeps, per watched channel, where the last read stopped
-- (watermark), when it may be read again (next_check, pushed back by a rate
-- limit), which instance is reading it (lease_owner until lease_until, so
-- that several instances do not read one account at once) and its health.
CREATE TABLE watch_channels (
    channel_id      INTEGER PRIMARY KEY,
    started_at      TIMESTAMP NOT NULL,
    watermark       TIMESTAMP,
    next_check      TIMESTAMP NOT NULL,
    lease_owner     TEXT NOT NULL DEFAULT '',
    lease_until     TIMESTAMP,
    state           TEXT NOT NULL DEFAULT 'new',
    error_class     TEXT NOT NULL DEFAULT '',
    reason          TEXT NOT NULL DEFAULT '',
    retry_at        TIMESTAMP,
    failures        INTEGER NOT NULL DEFAULT 0,
    last_checked_at TIMESTAMP,
    last_ok_at      TIMESTAMP
);

-- watch_alerts holds one row per post found on a channel that Chancery did
-- not publish. The unique key makes a post alert once, whatever the number
-- of rounds, restarts or instances.
CREATE TABLE watch_alerts (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    channel_id  INTEGER NOT NULL,
    network     TEXT NOT NULL,
    remote_id   TEXT NOT NULL CHECK (remote_id <> ''),
    url         TEXT NOT NULL DEFAULT '',
    excerpt     TEXT NOT NULL DEFAULT '',
    posted_at   TIMESTAMP,
    detected_at TIMESTAMP NOT NULL,
    ack_by      INTEGER REFERENCES users (id),
    ack_at      TIMESTAMP,
    verdict     TEXT NOT NULL DEFAULT '',
    note        TEXT NOT NULL DEFAULT '',
    UNIQUE (channel_id, remote_id)
);

CREATE INDEX watch_alerts_open ON watch_alerts (detected_at) WHERE ack_at IS NULL;
