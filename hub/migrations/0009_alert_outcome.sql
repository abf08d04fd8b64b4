-- The duty officer's verdict when resolving (属实 / 误报): with it the hub can
-- tell each camera's and detector's real false-alarm rate, which simulated
-- footage can only estimate. NULL: resolved without saying.
ALTER TABLE alerts
    ADD COLUMN outcome text CHECK (outcome IN ('genuine', 'false_alarm'));
CREATE INDEX alerts_outcome ON alerts (type, resolved_at) WHERE resolved_at IS NOT NULL;
