-- Credentials and watch state belong to a channel: deleting the channel
-- deletes them. SQLite cannot add a foreign key to a table, so each table is
-- rebuilt with its data. Rows of channels that no longer exist could not
-- satisfy the reference and mean nothing; they are not copied.
--
-- connected_at is when the channel's current account was connected, and
-- connected_account the network's ID of that account: out-of-band detection
-- starts from connected_at, and a reconnect to another account resets it.

CREATE TABLE channel_credentials_new (
    channel_id INTEGER PRIMARY KEY REFERENCES pub_channels (id) ON DELETE CASCADE,
    key_id     TEXT NOT NULL,
    sealed     BLOB NOT NULL,
    version    INTEGER NOT NULL DEFAULT 0,
    updated_at TIMESTAMP NOT NULL
);
INSERT INTO channel_credentials_new (channel_id, key_id, sealed, version, updated_at)
    SELECT channel_id, key_id, sealed, version, updated_at FROM channel_credentials
    WHERE channel_id IN (SELECT id FROM pub_channels);
DROP TABLE channel_credentials;
ALTER TABLE channel_credentials_new RENAME TO channel_credentials;
CREATE INDEX channel_credentials_key_id ON channel_credentials (key_id);

CREATE TABLE watch_channels_new (
    channel_id      INTEGER PRIMARY KEY REFERENCES pub_channels (id) ON DELETE CASCADE,
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
INSERT INTO watch_channels_new SELECT channel_id, started_at, watermark, next_check, lease_owner, lease_until, state,
    error_class, reason, retry_at, failures, last_checked_at, last_ok_at
    FROM watch_channels WHERE channel_id IN (SELECT id FROM pub_channels);
DROP TABLE watch_channels;
ALTER TABLE watch_channels_new RENAME TO watch_channels;

CREATE TABLE watch_alerts_new (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    channel_id  INTEGER NOT NULL REFERENCES pub_channels (id) ON DELETE CASCADE,
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
INSERT INTO watch_alerts_new SELECT id, channel_id, network, remote_id, url, excerpt, posted_at, detected_at,
    ack_by, ack_at, verdict, note
    FROM watch_alerts WHERE channel_id IN (SELECT id FROM pub_channels);
DROP TABLE watch_alerts;
ALTER TABLE watch_alerts_new RENAME TO watch_alerts;
CREATE INDEX watch_alerts_open ON watch_alerts (detected_at) WHERE ack_at IS NULL;
CREATE INDEX watch_alerts_channel ON watch_alerts (channel_id);

ALTER TABLE pub_channels ADD COLUMN connected_at TIMESTAMP;
ALTER TABLE pub_channels ADD COLUMN connected_account TEXT NOT NULL DEFAULT '';
