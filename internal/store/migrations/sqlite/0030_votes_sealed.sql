-- Secret ballots, sealed (internal/procedure explains the design), and the
-- room audit in the hash-chained audit log.
--
-- votes.tally: the running counts of an open secret vote, sealed with the
-- server's secret key (AES-GCM, a fresh nonce at every ballot, bound to the
-- vote): every ballot rewrites it, whatever its choice. NULL for a named
-- vote, before the first ballot and once the vote is closed (the counts are
-- then in count_yes, count_no and count_abstain).
ALTER TABLE votes ADD COLUMN tally BLOB;

-- room_audit.audit_seq: the entry of the hash-chained audit log (pub_audit)
-- that carries the same action; the chain's verification checks that each
-- room_audit row matches it. NULL for the rows written before this
-- migration, which room_audit_unchained counts.
ALTER TABLE room_audit ADD COLUMN audit_seq INTEGER;
CREATE UNIQUE INDEX room_audit_seq ON room_audit (audit_seq);
CREATE TABLE room_audit_unchained (
    id     INTEGER PRIMARY KEY CHECK (id = 1),
    max_id INTEGER NOT NULL
);
INSERT INTO room_audit_unchained (id, max_id) SELECT 1, COALESCE(MAX(id), 0) FROM room_audit;
