-- A recurring rule whose schedule is changed keeps its history: schedule_from is where the
-- new schedule starts (null: start_on, for a rule never rescheduled), and occurrences_before
-- is how many occurrences the earlier schedules had, which still count toward
-- occurrences_max. Before, a new schedule was counted from start_on: a monthly bill moved
-- from the 5th to the 20th after the 5th was posted posted twice that month, and an
-- instalment plan could post 13 of 12 or, rescheduled from monthly to weekly, none again.
-- Both columns are nullable or defaulted, so the release before this one still inserts rules.
ALTER TABLE recurring_rules
  ADD COLUMN schedule_from date,
  ADD COLUMN occurrences_before integer NOT NULL DEFAULT 0,
  ADD CONSTRAINT recurring_schedule_from CHECK (schedule_from IS NULL OR schedule_from >= start_on),
  ADD CONSTRAINT recurring_occurrences_before CHECK (occurrences_before >= 0);
