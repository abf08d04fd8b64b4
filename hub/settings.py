"""Hub settings from the environment (prefix ``SC_``) or keyword arguments."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

_DEV_SECRET = "development-only-secret-change-me-in-production"  # noqa: S105 - refused outside development, below


class HubSettings(BaseSettings):
    """Everything a hub process needs to know; refuses development secrets in production."""

    # Inputs stay out of error messages: the settings hold the signing key and
    # the database password, and the errors go to the service's log.
    model_config = SettingsConfigDict(env_prefix="SC_", extra="forbid", hide_input_in_errors=True)

    environment: Literal["development", "production"] = Field(
        default="development", description="'production' refuses default secrets."
    )
    database_url: str = Field(description="libpq connection string of PostgreSQL.")
    db_pool_max: int = Field(default=8, ge=2, le=100, description="Largest connection pool.")
    mqtt_host: str = Field(default="127.0.0.1", description="Broker host.")
    mqtt_port: int = Field(default=1883, ge=1, le=65535, description="Broker port.")
    mqtt_username: str | None = Field(default="_hub", description="Hub's broker user.")
    mqtt_password: SecretStr | None = Field(default=None, description="Hub's broker password.")
    share_group: str | None = Field(
        default=None,
        description=(
            "MQTT v5 shared-subscription group for several hub replicas; unset for one hub. "
            "Mosquitto 2.0 does not keep shared-subscription messages across a broker "
            "restart, so use it with a broker that does (docs/operations.md)."
        ),
    )
    instance: str = Field(
        default="1",
        pattern=r"^[A-Za-z0-9-]{1,32}$",
        description="Replica name; keeps its broker session (unacked messages) across restarts.",
    )
    batch_max_messages: int = Field(default=500, ge=1, le=10000, description="Messages per commit.")
    batch_max_wait_ms: int = Field(
        default=50, ge=1, le=5000, description="Longest wait to fill a batch."
    )
    receive_maximum: int = Field(
        default=2000, ge=10, le=65535, description="Unacknowledged messages the broker may send us."
    )
    api_host: str = Field(default="127.0.0.1", description="Address the REST API binds to.")
    api_port: int = Field(default=8080, ge=0, le=65535, description="REST API port (0: any free).")
    scenario: Path | None = Field(default=None, description="Scenario YAML with the site tree.")
    secret_key: SecretStr = Field(
        default=SecretStr(_DEV_SECRET), description="Key for signing sign-in tokens."
    )
    push_config: Path | None = Field(
        default=None,
        description="YAML of video-platform push targets (docs/video-platform-push.md).",
    )
    escalation_every_s: float = Field(
        default=5.0, gt=0, le=300, description="How often overdue alerts are looked for."
    )
    ingested_retention_days: int = Field(
        default=30, ge=1, description="How long message ids are kept for de-duplication."
    )

    @model_validator(mode="after")
    def verify_production_secrets(self) -> HubSettings:
        key = self.secret_key.get_secret_value()
        if self.environment == "production" and (key == _DEV_SECRET or len(key) < 32):
            raise ValueError(
                "SC_SECRET_KEY must be set to a random value of 32+ characters in production"
            )
        return self
