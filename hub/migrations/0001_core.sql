-- Site tree, gateways, devices, messages, events, evidence, commands, alerts, dead letters.
CREATE TABLE sites (
    id        text PRIMARY KEY,
    kind      text NOT NULL CHECK (kind IN ('street', 'community', 'building', 'unit', 'gate')),
    parent_id text REFERENCES sites (id),
    name      text NOT NULL,
    path      text NOT NULL  -- ids from the street down, '/'-joined: scope checks are prefix tests
);
CREATE INDEX sites_path ON sites (path text_pattern_ops);

CREATE TABLE gateways (
    id            text PRIMARY KEY,
    site_id       text REFERENCES sites (id),
    name          text NOT NULL DEFAULT '',
    status        text NOT NULL DEFAULT 'unknown' CHECK (status IN ('unknown', 'online', 'offline')),
    status_at     timestamptz,
    last_seen     timestamptz,
    agent_version text,
    capabilities  text[] NOT NULL DEFAULT '{}',
    health        jsonb,
    health_at     timestamptz
);

CREATE TABLE devices (
    gateway_id text NOT NULL REFERENCES gateways (id),
    id         text NOT NULL,
    site_id    text REFERENCES sites (id),
    kind       text NOT NULL,
    name       text NOT NULL DEFAULT '',
    PRIMARY KEY (gateway_id, id)
);

-- Idempotency: a message id is recorded in the same transaction as its rows.
CREATE TABLE ingested (
    message_id  uuid PRIMARY KEY,
    gateway_id  text NOT NULL,
    kind        text NOT NULL,
    received_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX ingested_received ON ingested (received_at);

CREATE TABLE events (
    message_id  uuid PRIMARY KEY,
    gateway_id  text NOT NULL,
    device_id   text NOT NULL,
    type        text NOT NULL,
    severity    text NOT NULL,
    alarm       boolean NOT NULL,
    channel     text,
    observed_at timestamptz NOT NULL,
    received_at timestamptz NOT NULL DEFAULT now(),
    historical  boolean NOT NULL,
    data        jsonb NOT NULL,
    evidence    jsonb NOT NULL
);
CREATE INDEX events_observed ON events (observed_at DESC);
CREATE INDEX events_gateway_type ON events (gateway_id, type, observed_at DESC);

CREATE TABLE evidence (
    sha256      text PRIMARY KEY,
    gateway_id  text NOT NULL,
    media_type  text NOT NULL,
    content     bytea NOT NULL,
    received_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE commands (
    message_id  uuid PRIMARY KEY,
    gateway_id  text NOT NULL,
    name        text NOT NULL,
    device_id   text,
    args        jsonb NOT NULL,
    issued_by   text NOT NULL,
    issued_at   timestamptz NOT NULL DEFAULT now(),
    status      text NOT NULL DEFAULT 'sent',
    detail      text NOT NULL DEFAULT '',
    acked_at    timestamptz
);

CREATE TABLE alerts (
    id          bigserial PRIMARY KEY,
    source      text NOT NULL,   -- gateway_id/device_id
    type        text NOT NULL,
    severity    text NOT NULL,
    status      text NOT NULL DEFAULT 'new',
    gateway_id  text NOT NULL,
    device_id   text NOT NULL,
    site_id     text,
    channel     text,
    count       integer NOT NULL DEFAULT 1,
    first_seen  timestamptz NOT NULL,
    last_seen   timestamptz NOT NULL,
    last_event  uuid NOT NULL,
    data        jsonb NOT NULL,
    evidence    jsonb NOT NULL
);
-- One open alert per (source, type): repeats update it.
CREATE UNIQUE INDEX alerts_one_open ON alerts (source, type)
    WHERE status NOT IN ('resolved', 'closed');

CREATE TABLE dead_letters (
    id             bigserial PRIMARY KEY,
    received_at    timestamptz NOT NULL DEFAULT now(),
    topic          text NOT NULL,
    reason         text NOT NULL,
    detail         text NOT NULL,
    payload_size   integer NOT NULL,
    payload_sha256 text NOT NULL,
    payload_head   bytea NOT NULL  -- first 8 KiB, enough to diagnose without storing floods
);
CREATE INDEX dead_letters_received ON dead_letters (received_at DESC);
