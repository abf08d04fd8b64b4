-- Resident registry: the only place names and phone numbers live. The edge
-- knows residents by pseudonym only; caregivers see those assigned to them.
CREATE TABLE residents (
    id         text PRIMARY KEY CHECK (id ~ '^r-[a-z0-9]{6,40}$'),  -- the edge's pseudonym
    name       text NOT NULL,
    phone      text,
    site_id    text REFERENCES sites (id),  -- household's unit or building
    away_until timestamptz,
    created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE resident_devices (
    gateway_id  text NOT NULL,
    device_id   text NOT NULL,
    resident_id text NOT NULL REFERENCES residents (id) ON DELETE CASCADE,
    PRIMARY KEY (gateway_id, device_id)
);
CREATE INDEX resident_devices_resident ON resident_devices (resident_id);
