-- The e-mails queued for one person in the last 24 hours are counted before another is
-- queued (notify()): at most EMAILS_PER_PERSON_PER_DAY_MAX, past which a notification shows
-- in the app only. Addresses are not verified, and one account's budgets could otherwise
-- queue e-mails without end (delete and create a budget, and its alerts fire again) to an
-- address nobody confirmed, ahead of everyone else's in the shared outbox.
CREATE INDEX email_outbox_user_created_idx ON email_outbox (user_id, created_at);
