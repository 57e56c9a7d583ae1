-- Sign-in attempts are counted before the password is checked: each
-- attempt is written first, marked with a token of its own, and removed
-- again when the password was right.
ALTER TABLE login_failures ADD COLUMN attempt TEXT;
CREATE INDEX login_failures_attempt ON login_failures (attempt);
