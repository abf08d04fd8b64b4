-- Raw (not desensitised) evidence stays on the gateway and is released only on
-- a request approved by a second authorised person (ARCHITECTURE guarantee 2).
CREATE TABLE raw_releases (
    id            bigserial PRIMARY KEY,
    event_id      uuid NOT NULL REFERENCES events (message_id),
    gateway_id    text NOT NULL,
    reason        text NOT NULL CHECK (length(reason) BETWEEN 10 AND 500),
    requested_by  text NOT NULL,
    requested_at  timestamptz NOT NULL DEFAULT now(),
    status        text NOT NULL DEFAULT 'pending'
                  CHECK (status IN ('pending', 'approved', 'rejected')),
    decided_by    text,
    decided_at    timestamptz,
    note          text NOT NULL DEFAULT '',
    command_id    uuid,
    sha256        text UNIQUE,
    delivered_at  timestamptz,
    -- Two people: whoever asks may not approve.
    CHECK (decided_by IS NULL OR decided_by <> requested_by)
);
CREATE INDEX raw_releases_event ON raw_releases (event_id);

ALTER TABLE evidence ADD COLUMN release_id bigint REFERENCES raw_releases (id);
