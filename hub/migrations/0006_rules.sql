-- Telemetry rules: alerts raised at the hub from readings (a threshold on a metric).
CREATE TABLE telemetry_rules (
    id          bigserial PRIMARY KEY,
    name        text NOT NULL UNIQUE,
    metric      text NOT NULL,
    device_like text,              -- SQL LIKE pattern on device ids; NULL for every device
    above       double precision,  -- alert when value > above
    below       double precision,  -- alert when value < below
    severity    text NOT NULL CHECK (severity IN ('critical', 'major', 'minor', 'info')),
    alert_type  text NOT NULL CHECK (alert_type ~ '^[a-z][a-z0-9_.]{0,63}$'),
    enabled     boolean NOT NULL DEFAULT true,
    CHECK (above IS NOT NULL OR below IS NOT NULL)
);
