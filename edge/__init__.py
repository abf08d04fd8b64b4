"""Edge gateway agent: capture, analyse, desensitise, publish through a durable outbox."""
