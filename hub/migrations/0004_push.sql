-- Durable outbox of alert pushes to video platforms (webhook, GB/T 28181).
-- A row is written in the alert's own transaction, so a committed alert is never
-- left unpushed; dispatchers in any hub process claim due rows with a lease.
CREATE TABLE push_deliveries (
    id              bigserial PRIMARY KEY,
    target          text NOT NULL,            -- name of a configured push target
    alert_id        bigint NOT NULL REFERENCES alerts (id),
    level           text NOT NULL CHECK (level IN ('community', 'street')),
    payload         jsonb NOT NULL,           -- the alert as it was when queued
    status          text NOT NULL DEFAULT 'pending'
                    CHECK (status IN ('pending', 'delivered', 'dead')),
    attempts        integer NOT NULL DEFAULT 0,
    next_attempt_at timestamptz NOT NULL DEFAULT now(),  -- also the end of a claim's lease
    lease_token     uuid,                     -- who holds the current claim
    last_error      text,
    created_at      timestamptz NOT NULL DEFAULT now(),
    delivered_at    timestamptz
);
CREATE INDEX push_deliveries_due ON push_deliveries (next_attempt_at) WHERE status = 'pending';
CREATE INDEX push_deliveries_alert ON push_deliveries (alert_id);
CREATE INDEX push_deliveries_dead ON push_deliveries (created_at DESC) WHERE status = 'dead';
