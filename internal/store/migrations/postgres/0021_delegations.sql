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
    id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    event_id       bigint NOT NULL,
    kind           text NOT NULL CHECK (kind IN ('state', 'io', 'ngo')),
    country        text NOT NULL DEFAULT '',
    name           text NOT NULL,
    names          text NOT NULL DEFAULT '{}',
    quotas         text NOT NULL DEFAULT '{}',
    credentials_at timestamptz,
    manual_rank    integer NOT NULL DEFAULT 0,
    created_at     timestamptz NOT NULL
);
CREATE INDEX delegations_event ON delegations (event_id);
CREATE UNIQUE INDEX delegations_event_country ON delegations (event_id, country) WHERE country <> '';

-- delegation_links: the private links of a delegation. A "register" link
-- opens the registration form; a "focal" link the focal point's page. Only
-- the SHA-256 of the secret is kept.
CREATE TABLE delegation_links (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    delegation_id bigint NOT NULL REFERENCES delegations (id) ON DELETE CASCADE,
    kind          text NOT NULL CHECK (kind IN ('register', 'focal')),
    token_hash    text COLLATE "C" NOT NULL UNIQUE,
    created_at    timestamptz NOT NULL,
    expires_at    timestamptz NOT NULL,
    revoked_at    timestamptz
);
CREATE INDEX delegation_links_delegation ON delegation_links (delegation_id);

-- delegation_registrations: one person registered through a link, with the
-- credentials letter (PDF) and photo they uploaded.
CREATE TABLE delegation_registrations (
    id                 bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    event_id           bigint NOT NULL,
    delegation_id      bigint NOT NULL REFERENCES delegations (id) ON DELETE CASCADE,
    name               text NOT NULL,
    title              text NOT NULL,
    category           text NOT NULL CHECK (category IN ('head', 'delegate', 'adviser', 'observer', 'interpreter', 'press')),
    email              text NOT NULL,
    lang               text NOT NULL,
    state              text NOT NULL CHECK (state IN ('pending', 'approved_by_focal_point', 'accredited', 'rejected', 'withdrawn')),
    reason             text NOT NULL DEFAULT '',
    credentials        bytea NOT NULL,
    credentials_sha256 text NOT NULL,
    photo              bytea NOT NULL,
    photo_type         text NOT NULL,
    created_at         timestamptz NOT NULL,
    updated_at         timestamptz NOT NULL
);
CREATE INDEX delegation_registrations_delegation ON delegation_registrations (delegation_id, state);
CREATE INDEX delegation_registrations_event ON delegation_registrations (event_id);

-- event_precedence: how an event orders its delegations. start_delegation
-- is the delegation drawn by lot to start the alphabetical order.
CREATE TABLE event_precedence (
    event_id         bigint PRIMARY KEY,
    method           text NOT NULL CHECK (method IN ('alphabetical', 'credentials', 'manual')),
    lang             text NOT NULL DEFAULT 'en',
    start_delegation bigint REFERENCES delegations (id) ON DELETE SET NULL,
    drawn_at         timestamptz,
    updated_at       timestamptz NOT NULL
);

-- mail_outbox: messages written in the transaction of the decision they
-- announce and sent after it commits, retried until the server takes them.
CREATE TABLE mail_outbox (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    recipient  text NOT NULL,
    message    bytea NOT NULL,
    created_at timestamptz NOT NULL,
    next_at    timestamptz NOT NULL,
    attempts   integer NOT NULL DEFAULT 0,
    last_error text NOT NULL DEFAULT '',
    sent_at    timestamptz
);
CREATE INDEX mail_outbox_due ON mail_outbox (sent_at, next_at);
