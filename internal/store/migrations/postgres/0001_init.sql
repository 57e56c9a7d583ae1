-- The first schema: people, their sessions and tokens, sign-in throttling,
-- settings, and the minimal content of the demo.
--
-- Every timestamp is timestamptz and written in UTC with microseconds.
-- Columns that are sorted for display use COLLATE "C" so that PostgreSQL
-- orders them byte-wise, as SQLite does.

CREATE TABLE users (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    username      text COLLATE "C" NOT NULL UNIQUE CHECK (username <> ''),
    display_name  text NOT NULL DEFAULT '',
    email         text NOT NULL DEFAULT '',
    password_hash text NOT NULL DEFAULT '',
    lang          text NOT NULL DEFAULT '',
    time_zone     text NOT NULL DEFAULT '', -- IANA name the person chose
    disabled      boolean NOT NULL DEFAULT false,
    created_at    timestamptz NOT NULL,
    updated_at    timestamptz NOT NULL
);

CREATE TABLE user_roles (
    user_id bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    role    text NOT NULL,
    PRIMARY KEY (user_id, role)
);

CREATE TABLE sessions (
    id_hash      text PRIMARY KEY,
    user_id      bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at   timestamptz NOT NULL,
    last_seen_at timestamptz NOT NULL,
    expires_at   timestamptz NOT NULL,
    user_agent   text NOT NULL DEFAULT '',
    ip           text NOT NULL DEFAULT ''
);
CREATE INDEX sessions_user_id ON sessions (user_id);
CREATE INDEX sessions_expires_at ON sessions (expires_at);

CREATE TABLE api_tokens (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id      bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name         text NOT NULL,
    hash         text NOT NULL UNIQUE,
    prefix       text NOT NULL,
    created_at   timestamptz NOT NULL,
    expires_at   timestamptz,
    last_used_at timestamptz
);
CREATE INDEX api_tokens_user_id ON api_tokens (user_id);

CREATE TABLE api_token_roles (
    token_id bigint NOT NULL REFERENCES api_tokens (id) ON DELETE CASCADE,
    role     text NOT NULL,
    PRIMARY KEY (token_id, role)
);

CREATE TABLE login_failures (
    key text NOT NULL,
    at  timestamptz NOT NULL
);
CREATE INDEX login_failures_key_at ON login_failures (key, at);
CREATE INDEX login_failures_at ON login_failures (at);

CREATE TABLE settings (
    key        text PRIMARY KEY,
    value      text NOT NULL,
    updated_at timestamptz NOT NULL
);

CREATE TABLE articles (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    slug         text COLLATE "C" NOT NULL UNIQUE CHECK (slug <> ''),
    kind         text NOT NULL,
    published_at timestamptz, -- NULL until published
    created_at   timestamptz NOT NULL
);
CREATE INDEX articles_published_at ON articles (published_at);

CREATE TABLE article_translations (
    article_id bigint NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    lang       text NOT NULL,
    title      text NOT NULL,
    summary    text NOT NULL DEFAULT '',
    body       text NOT NULL DEFAULT '',
    status     text NOT NULL CHECK (status IN ('draft', 'published')),
    PRIMARY KEY (article_id, lang)
);

CREATE TABLE rooms (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    slug       text COLLATE "C" NOT NULL UNIQUE CHECK (slug <> ''),
    title      text NOT NULL,
    created_at timestamptz NOT NULL
);
