-- Each channel's credentials, sealed by internal/secrets (AES-256-GCM, the
-- channel id bound in as associated data). key_id names the key that sealed
-- them, so that a key rotation can find what remains to re-seal. version
-- counts writes. channel_id refers to channels(id), which another migration
-- creates; the reference is added when both are merged.

CREATE TABLE channel_credentials (
    channel_id bigint PRIMARY KEY,
    key_id     text NOT NULL,
    sealed     bytea NOT NULL,
    version    bigint NOT NULL DEFAULT 0,
    updated_at timestamptz NOT NULL
);

CREATE INDEX channel_credentials_key_id ON channel_credentials (key_id);
