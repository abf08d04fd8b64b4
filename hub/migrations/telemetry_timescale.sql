-- Telemetry on TimescaleDB (2.13+ API): hypertable, compression, retention,
-- hourly continuous aggregate. Checked on a real TimescaleDB separately.
CREATE EXTENSION IF NOT EXISTS timescaledb;
CREATE TABLE telemetry (
    time       timestamptz      NOT NULL,
    gateway_id text             NOT NULL,
    device_id  text             NOT NULL,
    metric     text             NOT NULL,
    value      double precision NOT NULL,
    message_id uuid             NOT NULL
);
SELECT create_hypertable('telemetry', by_range('time', INTERVAL '1 day'));
CREATE INDEX telemetry_series ON telemetry (gateway_id, device_id, metric, time DESC);
ALTER TABLE telemetry SET (
    timescaledb.compress,
    timescaledb.compress_segmentby = 'gateway_id, device_id, metric',
    timescaledb.compress_orderby = 'time DESC'
);
SELECT add_compression_policy('telemetry', INTERVAL '7 days');
SELECT add_retention_policy('telemetry', INTERVAL '400 days');
CREATE MATERIALIZED VIEW telemetry_hourly WITH (timescaledb.continuous) AS
SELECT time_bucket(INTERVAL '1 hour', time) AS bucket,
       gateway_id, device_id, metric,
       avg(value) AS avg, min(value) AS min, max(value) AS max, count(*) AS n
FROM telemetry
GROUP BY 1, 2, 3, 4
WITH NO DATA;
SELECT add_continuous_aggregate_policy('telemetry_hourly',
    start_offset => INTERVAL '3 days', end_offset => INTERVAL '1 hour',
    schedule_interval => INTERVAL '30 minutes');
