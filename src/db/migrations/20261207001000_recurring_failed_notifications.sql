-- A recurring occurrence the policy refused on its due day (insufficient_funds, an archived
-- account) is announced as a notification of its own kind, recurring_failed, once per (rule,
-- day), and a person may choose where it goes like the other kinds.
-- The release before lists a person's notifications through a schema that knows only the
-- two earlier kinds: rolling back to it needs the recurring_failed rows removed first
-- (docs/OPERATIONS.md, "Rolling back a release").
ALTER TABLE notifications DROP CONSTRAINT notifications_kind_known,
  ADD CONSTRAINT notifications_kind_known CHECK (kind IN ('budget_alert', 'weekly_summary', 'recurring_failed'));
ALTER TABLE notification_preferences DROP CONSTRAINT notification_preferences_kind_known,
  ADD CONSTRAINT notification_preferences_kind_known CHECK (kind IN ('budget_alert', 'weekly_summary', 'recurring_failed'));
