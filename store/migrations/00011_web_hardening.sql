-- Hardening of the web front door (issue 12).
--
-- login_throttle replaces counting rows of login_failures: one row per login and per client
-- address, locked by each attempt before its password is checked, so that parallel attempts
-- cannot all read "fewer than five failures" and all be evaluated. login_failures is no longer
-- written; it stays (and is pruned) so that a replica of the previous release still running
-- during a rolling upgrade keeps working, and can go in a later migration.
--
-- API tokens get an expiry chosen at creation, and die with a password change: a token made
-- before users.password_changed_at is refused.
--
-- The audit log becomes append-only in the database itself, so that neither a bug nor someone
-- with the application's database account rewrites history.

-- +goose Up
CREATE TABLE login_throttle (
    -- 'login:<lower(login)>' or 'ip:<address>'
    key      text PRIMARY KEY,
    -- attempts evaluated since the last success, forgotten after a quiet hour
    failures int NOT NULL DEFAULT 0,
    last_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX login_throttle_last ON login_throttle (last_at);

-- Existing tokens were made without an expiry: they get 90 days from the upgrade, the default
-- for new ones, instead of dying at once or living forever.
ALTER TABLE api_tokens ADD COLUMN expires_at timestamptz;
UPDATE api_tokens SET expires_at = now() + interval '90 days';
ALTER TABLE api_tokens ALTER COLUMN expires_at SET NOT NULL;

-- Existing accounts: their creation, so that the tokens they have keep working.
ALTER TABLE users ADD COLUMN password_changed_at timestamptz;
UPDATE users SET password_changed_at = created_at;
ALTER TABLE users ALTER COLUMN password_changed_at SET NOT NULL;
ALTER TABLE users ALTER COLUMN password_changed_at SET DEFAULT now();

-- +goose StatementBegin
CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    -- The one change allowed is the foreign key's ON DELETE SET NULL when an account is
    -- deleted: the row keeps its actor's login, so the entry still says who.
    IF TG_OP = 'UPDATE' AND OLD.user_id IS NOT NULL AND NEW.user_id IS NULL
       AND (NEW.id, NEW.at, NEW.actor, NEW.action, NEW.object_type, NEW.object_id, NEW.detail, NEW.ip)
           IS NOT DISTINCT FROM (OLD.id, OLD.at, OLD.actor, OLD.action, OLD.object_type, OLD.object_id, OLD.detail, OLD.ip) THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'audit_log is append-only: % refused', TG_OP USING ERRCODE = 'insufficient_privilege';
END
$$;
-- +goose StatementEnd
CREATE TRIGGER audit_log_no_update BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only();

-- +goose Down
DROP TRIGGER audit_log_no_truncate ON audit_log;
DROP TRIGGER audit_log_no_update ON audit_log;
DROP FUNCTION audit_log_append_only();
ALTER TABLE users DROP COLUMN password_changed_at;
ALTER TABLE api_tokens DROP COLUMN expires_at;
DROP TABLE login_throttle;
