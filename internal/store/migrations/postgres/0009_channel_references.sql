-- Credentials and watch state belong to a channel: deleting the channel
-- deletes them. Rows of channels that no longer exist could not satisfy the
-- reference and mean nothing; they are removed first.
--
-- connected_at is when the channel's current account was connected, and
-- connected_account the network's ID of that account: out-of-band detection
-- starts from connected_at, and a reconnect to another account resets it.

DELETE FROM channel_credentials WHERE channel_id NOT IN (SELECT id FROM pub_channels);
ALTER TABLE channel_credentials ADD CONSTRAINT channel_credentials_channel_fk
    FOREIGN KEY (channel_id) REFERENCES pub_channels (id) ON DELETE CASCADE;

DELETE FROM watch_channels WHERE channel_id NOT IN (SELECT id FROM pub_channels);
ALTER TABLE watch_channels ADD CONSTRAINT watch_channels_channel_fk
    FOREIGN KEY (channel_id) REFERENCES pub_channels (id) ON DELETE CASCADE;

DELETE FROM watch_alerts WHERE channel_id NOT IN (SELECT id FROM pub_channels);
ALTER TABLE watch_alerts ADD CONSTRAINT watch_alerts_channel_fk
    FOREIGN KEY (channel_id) REFERENCES pub_channels (id) ON DELETE CASCADE;
CREATE INDEX watch_alerts_channel ON watch_alerts (channel_id);

ALTER TABLE pub_channels ADD COLUMN connected_at timestamptz;
ALTER TABLE pub_channels ADD COLUMN connected_account text NOT NULL DEFAULT '';
