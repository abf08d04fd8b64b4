-- Alert lifecycle (发现—推送—处置—协调—监督—反馈), two levels, users, tamper-evident audit.

CREATE TABLE users (
    id            bigserial PRIMARY KEY,
    username      text NOT NULL UNIQUE CHECK (username ~ '^[A-Za-z0-9_.-]{2,64}$'),
    display_name  text NOT NULL DEFAULT '',
    password_hash text NOT NULL,
    role          text NOT NULL CHECK (role IN ('street_officer', 'community_officer',
                       'property_security', 'caregiver', 'auditor', 'admin')),
    site_id       text REFERENCES sites (id),  -- root of what the user may see
    disabled      boolean NOT NULL DEFAULT false,
    created_at    timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE caregiver_residents (
    user_id     bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    resident_id text NOT NULL,  -- pseudonym used by the edge; names live in the registry only
    PRIMARY KEY (user_id, resident_id)
);

-- Response and resolution times per severity; escalation community -> street when missed.
CREATE TABLE alert_sla (
    severity     text PRIMARY KEY CHECK (severity IN ('critical', 'major', 'minor', 'info')),
    ack_within   interval NOT NULL,
    resolve_within interval NOT NULL
);
INSERT INTO alert_sla VALUES
    ('critical', '5 minutes', '1 hour'),
    ('major', '15 minutes', '4 hours'),
    ('minor', '1 hour', '24 hours'),
    ('info', '4 hours', '72 hours');

ALTER TABLE alerts
    ADD COLUMN level text NOT NULL DEFAULT 'community' CHECK (level IN ('community', 'street')),
    ADD COLUMN site_path text,
    ADD COLUMN community_id text,
    ADD COLUMN resident_id text,
    ADD COLUMN assignee text,
    ADD COLUMN ack_due timestamptz,
    ADD COLUMN resolve_due timestamptz,
    ADD COLUMN acknowledged_at timestamptz,
    ADD COLUMN dispatched_at timestamptz,
    ADD COLUMN resolved_at timestamptz,
    ADD COLUMN closed_at timestamptz,
    ADD COLUMN escalated_at timestamptz,
    ADD COLUMN disposition text,
    ADD COLUMN instructions text,
    ADD COLUMN feedback text,
    ADD COLUMN satisfaction smallint CHECK (satisfaction BETWEEN 1 AND 5),
    ADD CONSTRAINT alerts_status CHECK (status IN ('new', 'acknowledged', 'dispatched',
                                                   'resolved', 'closed'));
CREATE INDEX alerts_open_due ON alerts (level, ack_due, resolve_due)
    WHERE status NOT IN ('resolved', 'closed');
CREATE INDEX alerts_site_path ON alerts (site_path text_pattern_ops);

-- Append-only, hash-chained: every row's hash covers the previous row's hash.
-- Writers take an advisory lock, so ids commit in order and the chain has one head.
CREATE TABLE audit_log (
    id        bigserial PRIMARY KEY,
    at        timestamptz NOT NULL,
    actor     text NOT NULL,
    action    text NOT NULL,
    alert_id  bigint,
    detail    jsonb NOT NULL,
    prev_hash text NOT NULL,
    hash      text NOT NULL
);
CREATE INDEX audit_log_alert ON audit_log (alert_id, id);

CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_log is append-only: % refused', TG_OP;
END $$;
CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only();
