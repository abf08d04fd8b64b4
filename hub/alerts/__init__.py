"""Alerts: lifecycle, two-level escalation, audit trail and change feed."""
