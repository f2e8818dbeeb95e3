-- Every process may keep live sessions in memory for a few seconds (SESSION_CACHE_SECONDS)
-- so that a request does not cost a database round trip just to learn who is calling.
-- Whatever ends or changes a session or a person announces it on this channel, from the
-- database itself, so no code path (logout, a future password change or account deletion,
-- a manual UPDATE) can forget to: every process LISTENs and drops what it holds.
-- NOTIFY is delivered at COMMIT, and only if the transaction commits.
CREATE FUNCTION notify_auth_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_LEVEL = 'STATEMENT' THEN
    PERFORM pg_notify('vdp_auth_changed', 'all');
  ELSIF TG_TABLE_NAME = 'sessions' THEN
    PERFORM pg_notify('vdp_auth_changed', 'session:' || OLD.id);
  ELSE
    PERFORM pg_notify('vdp_auth_changed', 'user:' || OLD.id);
  END IF;
  RETURN NULL;
END;
$$;

CREATE TRIGGER sessions_notify_change AFTER UPDATE OR DELETE ON sessions
  FOR EACH ROW EXECUTE FUNCTION notify_auth_change();
CREATE TRIGGER sessions_notify_truncate AFTER TRUNCATE ON sessions
  FOR EACH STATEMENT EXECUTE FUNCTION notify_auth_change();
CREATE TRIGGER users_notify_change AFTER UPDATE OR DELETE ON users
  FOR EACH ROW EXECUTE FUNCTION notify_auth_change();
CREATE TRIGGER users_notify_truncate AFTER TRUNCATE ON users
  FOR EACH STATEMENT EXECUTE FUNCTION notify_auth_change();
