-- Telemetry on native range partitioning (one partition per day, plus a
-- default one so a reading with an unexpected timestamp is never refused).
CREATE TABLE telemetry (
    time       timestamptz      NOT NULL,
    gateway_id text             NOT NULL,
    device_id  text             NOT NULL,
    metric     text             NOT NULL,
    value      double precision NOT NULL,
    message_id uuid             NOT NULL
) PARTITION BY RANGE (time);
CREATE TABLE telemetry_default PARTITION OF telemetry DEFAULT;
CREATE INDEX telemetry_series ON telemetry (gateway_id, device_id, metric, time DESC);

-- Same name and columns as TimescaleDB's continuous aggregate, so queries do not care.
CREATE VIEW telemetry_hourly AS
SELECT date_bin('1 hour', time, TIMESTAMPTZ '2000-01-01') AS bucket,
       gateway_id, device_id, metric,
       avg(value) AS avg, min(value) AS min, max(value) AS max, count(*) AS n
FROM telemetry
GROUP BY 1, 2, 3, 4;
