-- Issue 12: budgets warn at half, at 80 % and at the limit unless the person chooses otherwise.
-- Existing budgets keep the thresholds they were saved with.
ALTER TABLE budgets ALTER COLUMN alert_thresholds SET DEFAULT '{50,80,100}';

-- The budget_alert job walks one month's budgets in id order, a batch at a time.
CREATE INDEX budgets_month_id_idx ON budgets (month, id);
