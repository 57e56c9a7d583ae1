-- Reconciliation (issue 12): a post on a network is recorded by one
-- publication part at most, so that reconciliation can never record a post
-- another statement made, and a recall never deletes another statement's
-- post. Every part of a thread is a row of pub_parts, so the claim is kept
-- per part; the publication's remote_id is its first part's.
--
-- scope is where the network's post IDs are unique: '' for networks whose
-- IDs are unique network-wide (X, Facebook, Bluesky, LinkedIn, the portal);
-- the instance for Mastodon (status IDs are per server); the chat for
-- Telegram (message IDs count up per chat), or the channel when its chat is
-- not known. store.postScope is the same expression.
CREATE TABLE pub_post_claims (
    network        text NOT NULL,
    scope          text NOT NULL,
    remote_id      text NOT NULL CHECK (remote_id <> ''),
    publication_id bigint NOT NULL,
    idx            integer NOT NULL,
    PRIMARY KEY (network, scope, remote_id),
    UNIQUE (publication_id, idx),
    FOREIGN KEY (publication_id, idx) REFERENCES pub_parts (publication_id, idx) ON DELETE CASCADE
);

-- Existing parts claim their posts, the earliest recorded first. A part
-- that recorded a post an earlier part had recorded already (the fault
-- this migration closes) claims nothing; its publication, if it counts as
-- published, goes to needs-check for a person to settle.
INSERT INTO pub_post_claims (network, scope, remote_id, publication_id, idx)
SELECT c.network,
       CASE c.network
           WHEN 'mastodon' THEN lower(rtrim(c.base_url, '/'))
           WHEN 'telegram' THEN CASE WHEN c.connected_account <> '' THEN 'chat:' || c.connected_account ELSE 'channel:' || c.id END
           ELSE ''
       END,
       pp.remote_id, pp.publication_id, pp.idx
FROM pub_parts pp
JOIN pub_publications p ON p.id = pp.publication_id
JOIN pub_channels c ON c.id = p.channel_id
WHERE pp.remote_id <> ''
ORDER BY pp.created_at, pp.publication_id, pp.idx
ON CONFLICT DO NOTHING;

UPDATE pub_publications
SET state = 'needs-check',
    reason = 'another publication records the same post on the network; check which statement the post carries, then settle this publication by hand'
WHERE state = 'published' AND id IN (
    SELECT pp.publication_id FROM pub_parts pp
    WHERE pp.remote_id <> '' AND NOT EXISTS (
        SELECT 1 FROM pub_post_claims cl WHERE cl.publication_id = pp.publication_id AND cl.idx = pp.idx));
