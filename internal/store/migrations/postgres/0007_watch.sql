-- Out-of-band post detection (internal/social/watch). channel_id refers to
-- channels(id), which the publishing migration creates; the reference is
-- added when both are merged.
--
-- watch_channels keeps, per watched channel, where the last read stopped
-- (watermark), when it may be read again (next_check, pushed back by a rate
-- limit), which instance is reading it (lease_owner until lease_until, so
-- that several instances do not read one account at once) and its health.
CREATE TABLE watch_channels (
    channel_id      bigint PRIMARY KEY,
    started_at      timestamptz NOT NULL,
    watermark       timestamptz,
    next_check      timestamptz NOT NULL,
    lease_owner     text NOT NULL DEFAULT '',
    lease_until     timestamptz,
    state           text NOT NULL DEFAULT 'new',
    error_class     text NOT NULL DEFAULT '',
    reason          text NOT NULL DEFAULT '',
    retry_at        timestamptz,
    failures        integer NOT NULL DEFAULT 0,
    last_checked_at timestamptz,
    last_ok_at      timestamptz
);

-- watch_alerts holds one row per post found on a channel that Chancery did
-- not publish. The unique key makes a post alert once, whatever the number
-- of rounds, restarts or instances.
CREATE TABLE watch_alerts (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    channel_id  bigint NOT NULL,
    network     text NOT NULL,
    remote_id   text NOT NULL CHECK (remote_id <> ''),
    url         text NOT NULL DEFAULT '',
    excerpt     text NOT NULL DEFAULT '',
    posted_at   timestamptz,
    detected_at timestamptz NOT NULL,
    ack_by      bigint REFERENCES users (id),
    ack_at      timestamptz,
    verdict     text NOT NULL DEFAULT '',
    note        text NOT NULL DEFAULT '',
    UNIQUE (channel_id, remote_id)
);

CREATE INDEX watch_alerts_open ON watch_alerts (detected_at) WHERE ack_at IS NULL;
