"""Users, roles, tokens and scopes."""
