-- Sessions also end after a time without use (SESSION_IDLE_HOURS). A request moves
-- last_seen_at forward at most once per SESSION_TOUCH_INTERVAL (ten minutes), so an
-- authenticated request does not write every time. Sessions that exist when this runs
-- count as seen now, so nobody is signed out by the upgrade itself. The column is not
-- indexed on purpose: an index would turn every touch into a non-HOT update, and only the
-- purge job, a few times an hour, searches by it.
ALTER TABLE sessions ADD COLUMN last_seen_at timestamptz NOT NULL DEFAULT now();
ALTER TABLE sessions ALTER COLUMN last_seen_at DROP DEFAULT;

-- Processes keep live sessions in memory and forget one when the database announces a
-- change to it (migration 20261130000000). A touch of last_seen_at alone changes nothing
-- a process holds, so it is not announced: otherwise every touch would make every process
-- drop that session and ask the database again. Any other change to a row still is.
DROP TRIGGER sessions_notify_change ON sessions;
CREATE TRIGGER sessions_notify_update AFTER UPDATE ON sessions
  FOR EACH ROW
  WHEN ((to_jsonb(OLD) - 'last_seen_at') IS DISTINCT FROM (to_jsonb(NEW) - 'last_seen_at'))
  EXECUTE FUNCTION notify_auth_change();

-- Deleting a session that was already revoked (announced when it was revoked) or past its
-- expiry (no process serves a session past its own expiry) tells nobody anything, so the
-- purge job's deletes of such rows are not announced one by one.
CREATE TRIGGER sessions_notify_delete AFTER DELETE ON sessions
  FOR EACH ROW
  WHEN (OLD.revoked_at IS NULL AND OLD.expires_at > now())
  EXECUTE FUNCTION notify_auth_change();
