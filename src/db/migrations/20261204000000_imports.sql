-- Issue 13: bank statement import. A file becomes a stored preview (imports + import_lines),
-- which a confirm posts through the ledger and an undo reverses. Every table carries user_id
-- and reaches the rows it names through (id, user_id) foreign keys, so one person's rows
-- stay together and can never point at another person's.

CREATE TABLE imports (
  id uuid PRIMARY KEY,
  user_id uuid NOT NULL REFERENCES users (id),
  account_id uuid NOT NULL,
  status text NOT NULL DEFAULT 'preview',
  format text NOT NULL,
  charset text NOT NULL,
  file_name text,
  file_sha256 text NOT NULL,
  -- The CSV column mapping the file was read with (null for OFX).
  mapping jsonb,
  line_count integer NOT NULL,
  new_count integer NOT NULL,
  duplicate_count integer NOT NULL,
  skipped_count integer NOT NULL,
  posted_count integer NOT NULL DEFAULT 0,
  created_at timestamptz NOT NULL,
  posted_at timestamptz,
  undone_at timestamptz,
  CONSTRAINT imports_status_known CHECK (status IN ('preview', 'posted', 'undone', 'expired')),
  CONSTRAINT imports_format_known CHECK (format IN ('ofx', 'csv')),
  CONSTRAINT imports_file_name_length CHECK (file_name IS NULL OR length(file_name) BETWEEN 1 AND 255),
  CONSTRAINT imports_sha256_shape CHECK (file_sha256 ~ '^[0-9a-f]{64}$'),
  CONSTRAINT imports_counts CHECK (line_count BETWEEN 0 AND 50000 AND new_count >= 0 AND duplicate_count >= 0
    AND new_count + duplicate_count = line_count AND skipped_count >= 0 AND posted_count BETWEEN 0 AND line_count),
  CONSTRAINT imports_posted_at CHECK ((status IN ('posted', 'undone')) = (posted_at IS NOT NULL)),
  CONSTRAINT imports_undone_at CHECK ((status = 'undone') = (undone_at IS NOT NULL)),
  CONSTRAINT imports_account_fkey FOREIGN KEY (account_id, user_id) REFERENCES accounts (id, user_id),
  CONSTRAINT imports_id_user_key UNIQUE (id, user_id)
);
CREATE INDEX imports_user_idx ON imports (user_id, created_at DESC, id DESC);
CREATE INDEX imports_account_idx ON imports (account_id);

-- The movements read from the file, as previewed; transaction_id is set when posted. A line
-- is known by its position in the file (1, 2, …): its line number is not unique when an OFX
-- is written on one line.
CREATE TABLE import_lines (
  import_id uuid NOT NULL,
  position integer NOT NULL,
  line integer NOT NULL,
  user_id uuid NOT NULL,
  occurred_on date NOT NULL,
  description text NOT NULL,
  amount_cents bigint NOT NULL,
  dedupe_key text NOT NULL,
  category_id uuid,
  duplicate_of uuid,
  transaction_id uuid,
  PRIMARY KEY (import_id, position),
  CONSTRAINT import_lines_position_positive CHECK (position >= 1),
  CONSTRAINT import_lines_line_positive CHECK (line >= 1),
  CONSTRAINT import_lines_amount_range CHECK (amount_cents <> 0 AND abs(amount_cents) <= 100000000000),
  CONSTRAINT import_lines_description_length CHECK (length(description) <= 200),
  CONSTRAINT import_lines_dedupe_key_length CHECK (length(dedupe_key) BETWEEN 1 AND 300),
  CONSTRAINT import_lines_import_fkey FOREIGN KEY (import_id, user_id) REFERENCES imports (id, user_id),
  CONSTRAINT import_lines_category_fkey FOREIGN KEY (category_id, user_id) REFERENCES categories (id, user_id),
  CONSTRAINT import_lines_duplicate_fkey FOREIGN KEY (duplicate_of, user_id) REFERENCES transactions (id, user_id),
  -- Deferred: the line names its transaction in the same statement batch that posts it.
  CONSTRAINT import_lines_transaction_fkey FOREIGN KEY (transaction_id, user_id) REFERENCES transactions (id, user_id)
    DEFERRABLE INITIALLY DEFERRED
);

-- Which movement of an account is already in the books, by the statement's own key (FITID or
-- content hash). Written in the same database transaction as the postings it names, and
-- claimed with INSERT … ON CONFLICT DO NOTHING before posting, so two confirms of the same
-- lines (two tabs, two previews of one file) post each line once. An undo deletes the rows
-- of its import, so the file can be imported again.
CREATE TABLE import_dedupe (
  account_id uuid NOT NULL,
  dedupe_key text NOT NULL,
  user_id uuid NOT NULL,
  import_id uuid NOT NULL,
  transaction_id uuid NOT NULL,
  PRIMARY KEY (account_id, dedupe_key),
  CONSTRAINT import_dedupe_account_fkey FOREIGN KEY (account_id, user_id) REFERENCES accounts (id, user_id),
  CONSTRAINT import_dedupe_import_fkey FOREIGN KEY (import_id, user_id) REFERENCES imports (id, user_id),
  -- Deferred: the key is claimed with the id the posting will carry, just before it is posted.
  CONSTRAINT import_dedupe_transaction_fkey FOREIGN KEY (transaction_id, user_id) REFERENCES transactions (id, user_id)
    DEFERRABLE INITIALLY DEFERRED
);
CREATE INDEX import_dedupe_import_idx ON import_dedupe (import_id);

-- The CSV mapping last used for an account, offered by default the next time.
CREATE TABLE import_mappings (
  account_id uuid PRIMARY KEY,
  user_id uuid NOT NULL,
  mapping jsonb NOT NULL,
  updated_at timestamptz NOT NULL,
  CONSTRAINT import_mappings_account_fkey FOREIGN KEY (account_id, user_id) REFERENCES accounts (id, user_id)
);

-- "Always put UBER in Transporte": a contains-match on the normalised description.
CREATE TABLE import_rules (
  id uuid PRIMARY KEY,
  user_id uuid NOT NULL REFERENCES users (id),
  pattern text NOT NULL,
  category_id uuid NOT NULL,
  created_at timestamptz NOT NULL,
  CONSTRAINT import_rules_pattern_length CHECK (length(pattern) BETWEEN 1 AND 100),
  CONSTRAINT import_rules_category_fkey FOREIGN KEY (category_id, user_id) REFERENCES categories (id, user_id),
  CONSTRAINT import_rules_id_user_key UNIQUE (id, user_id)
);
CREATE UNIQUE INDEX import_rules_user_pattern_key ON import_rules (user_id, pattern);
CREATE INDEX import_rules_user_idx ON import_rules (user_id, created_at DESC, id DESC);
