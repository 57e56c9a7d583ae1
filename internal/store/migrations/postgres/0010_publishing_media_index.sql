-- Publishing (issue 4): the scheduler loads a statement's images for every
-- publication it makes; without this index each load scanned every
-- statement's images (EXPLAIN: Seq Scan on pub_media).
CREATE INDEX pub_media_statement ON pub_media (statement_id, position);
