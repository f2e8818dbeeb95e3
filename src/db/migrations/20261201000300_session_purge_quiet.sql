-- The purge job deletes sessions no request can use any more: expired, revoked long ago,
-- or idle past SESSION_IDLE_HOURS. An idle session is neither revoked nor expired, so
-- sessions_notify_delete (migration 20261201000200) announced each one, and a purge of
-- thousands of idle sessions made every process handle thousands of notifications. None
-- of them tells a process anything: a cached copy is never served past the session's
-- expiry or its idle deadline (lastSeen + SESSION_IDLE_HOURS), and the purge only deletes
-- a session once that deadline has passed. The purge marks its own transaction with
-- vai_de_pix.deleting_dead_sessions = 'on' (set_config(..., true): it ends with the
-- transaction), and deletes made under that mark are not announced. Any other delete of
-- a live session still is.
DROP TRIGGER sessions_notify_delete ON sessions;
CREATE TRIGGER sessions_notify_delete AFTER DELETE ON sessions
  FOR EACH ROW
  WHEN (
    OLD.revoked_at IS NULL
    AND OLD.expires_at > now()
    AND current_setting('vai_de_pix.deleting_dead_sessions', true) IS DISTINCT FROM 'on'
  )
  EXECUTE FUNCTION notify_auth_change();
