-- Single sign-on with OpenID Connect (internal/sso).
--
-- An account made or found by an identity provider: the provider's issuer
-- URL and its subject name one person for good (a username or an email
-- address may be reused; the subject may not).
CREATE TABLE user_identities (
    issuer         TEXT NOT NULL,
    subject        TEXT NOT NULL,
    user_id        INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at     TIMESTAMP NOT NULL,
    last_signin_at TIMESTAMP NOT NULL,
    PRIMARY KEY (issuer, subject)
);
CREATE INDEX user_identities_user_id ON user_identities (user_id);

-- A sign-in sent to the identity provider and not back yet: the state,
-- nonce and PKCE verifier of one authorization request, bound to the
-- browser that started it (the SHA-256 of its pre-session cookie), taken
-- once by the callback.
CREATE TABLE oidc_signins (
    state_hash   TEXT PRIMARY KEY,
    browser_hash TEXT NOT NULL,
    nonce        TEXT NOT NULL,
    verifier     TEXT NOT NULL,
    next         TEXT NOT NULL DEFAULT '',
    expires_at   TIMESTAMP NOT NULL
);
CREATE INDEX oidc_signins_expires_at ON oidc_signins (expires_at);

-- A session whose second factor the identity provider checked (its amr or
-- acr says so): Chancery's own enrolment is not asked of it.
ALTER TABLE sessions ADD COLUMN idp_second_factor INTEGER NOT NULL DEFAULT 0 CHECK (idp_second_factor IN (0, 1));
