"""Hub service: ingest, storage, alerts and the REST API."""
