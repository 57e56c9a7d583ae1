-- Publishing (issue 4): an index for the images of a statement, which the
-- scheduler loads for every publication it makes (EXPLAIN showed a Seq Scan
-- on pub_media), and the link from a correction to the statement it corrects.
CREATE INDEX pub_media_statement ON pub_media (statement_id, position);

-- A correction is a new statement that replaces a recalled one.
ALTER TABLE pub_statements ADD COLUMN corrects bigint REFERENCES pub_statements (id);
