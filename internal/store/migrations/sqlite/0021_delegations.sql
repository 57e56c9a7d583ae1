-- Delegations to an event, their registration and focal-point links, the
-- people who register through them (two-level accreditation), the event's
-- protocol precedence, and the outbox of e-mail that decisions send.
--
-- event_id has no foreign key: the events table is another module's and
-- the two are joined in the integration that follows.

-- delegations: a state (country, ISO 3166-1 alpha-2), an international
-- organisation (io) or an NGO. names is a JSON object of names by language
-- (a state's names come from CLDR when absent). quotas is a JSON object of
-- seats per category. credentials_at is when the head of mission presented
-- credentials (Vienna Convention, Art. 16); manual_rank the manual order.
CREATE TABLE delegations (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    event_id       INTEGER NOT NULL,
    kind           TEXT NOT NULL CHECK (kind IN ('state', 'io', 'ngo')),
    country        TEXT NOT NULL DEFAULT '',
    name           TEXT NOT NULL,
    names          TEXT NOT NULL DEFAULT '{}',
    quotas         TEXT NOT NULL DEFAULT '{}',
    credentials_at TIMESTAMP,
    manual_rank    INTEGER NOT NULL DEFAULT 0,
    created_at     TIMESTAMP NOT NULL
);
CREATE INDEX delegations_event ON delegations (event_id);
CREATE UNIQUE INDEX delegations_event_country ON delegations (event_id, country) WHERE country <> '';

-- delegation_links: the private links of a delegation. A "register" link
-- opens the registration form; a "focal" link the focal point's page. Only
-- the SHA-256 of the secret is kept.
CREATE TABLE delegation_links (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    delegation_id INTEGER NOT NULL REFERENCES delegations (id) ON DELETE CASCADE,
    kind          TEXT NOT NULL CHECK (kind IN ('register', 'focal')),
    token_hash    TEXT NOT NULL UNIQUE,
    created_at    TIMESTAMP NOT NULL,
    expires_at    TIMESTAMP NOT NULL,
    revoked_at    TIMESTAMP
);
CREATE INDEX delegation_links_delegation ON delegation_links (delegation_id);

-- delegation_registrations: one person registered through a link, with the
-- credentials letter (PDF) and photo they uploaded.
CREATE TABLE delegation_registrations (
    id                 INTEGER PRIMARY KEY AUTOINCREMENT,
    event_id           INTEGER NOT NULL,
    delegation_id      INTEGER NOT NULL REFERENCES delegations (id) ON DELETE CASCADE,
    name               TEXT NOT NULL,
    title              TEXT NOT NULL,
    category           TEXT NOT NULL CHECK (category IN ('head', 'delegate', 'adviser', 'observer', 'interpreter', 'press')),
    email              TEXT NOT NULL,
    lang               TEXT NOT NULL,
    state              TEXT NOT NULL CHECK (state IN ('pending', 'approved_by_focal_point', 'accredited', 'rejected', 'withdrawn')),
    reason             TEXT NOT NULL DEFAULT '',
    credentials        BLOB NOT NULL,
    credentials_sha256 TEXT NOT NULL,
    photo              BLOB NOT NULL,
    photo_type         TEXT NOT NULL,
    created_at         TIMESTAMP NOT NULL,
    updated_at         TIMESTAMP NOT NULL
);
CREATE INDEX delegation_registrations_delegation ON delegation_registrations (delegation_id, state);
CREATE INDEX delegation_registrations_event ON delegation_registrations (event_id);

-- event_precedence: how an event orders its delegations. start_delegation
-- is the delegation drawn by lot to start the alphabetical order.
CREATE TABLE event_precedence (
    event_id         INTEGER PRIMARY KEY,
    method           TEXT NOT NULL CHECK (method IN ('alphabetical', 'credentials', 'manual')),
    lang             TEXT NOT NULL DEFAULT 'en',
    start_delegation INTEGER REFERENCES delegations (id) ON DELETE SET NULL,
    drawn_at         TIMESTAMP,
    updated_at       TIMESTAMP NOT NULL
);

-- mail_outbox: messages written in the transaction of the decision they
-- announce and sent after it commits, retried until the server takes them.
CREATE TABLE mail_outbox (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    recipient  TEXT NOT NULL,
    message    BLOB NOT NULL,
    created_at TIMESTAMP NOT NULL,
    next_at    TIMESTAMP NOT NULL,
    attempts   INTEGER NOT NULL DEFAULT 0,
    last_error TEXT NOT NULL DEFAULT '',
    sent_at    TIMESTAMP
);
CREATE INDEX mail_outbox_due ON mail_outbox (sent_at, next_at);
