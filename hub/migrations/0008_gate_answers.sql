-- The guard's answer to a vehicle held at the gate (门岗放行): one per held pass.
CREATE TABLE gate_answers (
    pass_id      uuid PRIMARY KEY REFERENCES events (message_id),
    action       text NOT NULL CHECK (action IN ('open', 'refuse')),
    answered_by  text NOT NULL,
    answered_at  timestamptz NOT NULL DEFAULT now(),
    note         text NOT NULL DEFAULT '',
    command_id   uuid
);
