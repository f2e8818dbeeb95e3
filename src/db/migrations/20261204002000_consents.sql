-- The consent log (issue 13): which version of the terms of use and of the privacy policy
-- each person accepted, and when. A new version of a document means a new acceptance, and
-- a new acceptance is a new row: rows are never edited (the trigger below refuses UPDATE), so
-- the log says what the person agreed to at the time. Deleting an account may remove the
-- person's rows (they are personal data); nothing else does.
CREATE TABLE consents (
  id uuid PRIMARY KEY,
  user_id uuid NOT NULL REFERENCES users (id),
  document text NOT NULL,
  version text NOT NULL,
  accepted_at timestamptz NOT NULL,
  CONSTRAINT consents_document_known CHECK (document IN ('terms', 'privacy')),
  CONSTRAINT consents_version_length CHECK (length(version) BETWEEN 1 AND 32),
  -- Accepting the version one already accepted records nothing new (a retried click, two
  -- tabs): the first acceptance is the one that counts. The index also serves "what has this
  -- person accepted", which every GET /api/me asks.
  CONSTRAINT consents_once_per_version UNIQUE (user_id, document, version)
);

CREATE FUNCTION consents_refuse_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'consents are never edited: a new acceptance is a new row' USING ERRCODE = 'raise_exception';
END;
$$;
CREATE TRIGGER consents_no_update BEFORE UPDATE ON consents
  FOR EACH ROW EXECUTE FUNCTION consents_refuse_update();
