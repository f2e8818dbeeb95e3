-- Where the hourly materialisation's rotation stands: the person its last full run served
-- last. The next run takes people in turns starting after them, so when a run cannot serve
-- everyone, the ones left out are served first next time rather than always last.
CREATE TABLE recurring_rotation (
  singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
  last_served_user_id uuid
);

-- A run reads the due rules in pages in (user_id, id) order.
CREATE INDEX recurring_rules_due_page_idx ON recurring_rules (user_id, id) WHERE ended_at IS NULL AND paused_at IS NULL;
