"""Shipped deployment files stay valid (no Docker engine here, so checked structurally)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from edge.config import load_config
from smartcommunity.broker import acl_text

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"


def test_tests_run_against_the_shipped_acl() -> None:
    assert acl_text() == (DEPLOY / "mosquitto" / "acl").read_text(encoding="utf-8")


def test_acl_confines_gateways_by_user_name() -> None:
    lines = [ln.split() for ln in acl_text().splitlines() if ln and not ln.startswith("#")]
    patterns = [ln for ln in lines if ln[0] == "pattern"]
    assert patterns, "gateway rules must be patterns on %u"
    assert all("/gw/%u/" in ln[2] for ln in patterns)
    assert ["pattern", "read", "sc/v1/gw/%u/cmd"] in patterns
    assert not any(ln[1] in ("read", "readwrite") and not ln[2].endswith("/cmd") for ln in patterns)


def test_compose_file_is_consistent() -> None:
    compose = yaml.safe_load((DEPLOY / "compose.yaml").read_text(encoding="utf-8"))
    services = compose["services"]
    assert set(services) == {"mosquitto", "postgres", "hub"}
    assert (DEPLOY / compose["services"]["hub"]["build"] / "Dockerfile").is_file()
    for volume in services["mosquitto"]["volumes"]:
        source = volume.split(":")[0]
        if source.startswith("./mosquitto/"):
            assert (DEPLOY / source).is_file(), source
    named = {
        v.split(":")[0]
        for s in services.values()
        for v in s.get("volumes", [])
        if not v.startswith(".")
    }
    assert named <= set(compose["volumes"])
    assert all(d in services for s in services.values() for d in s.get("depends_on", []))


def credentials_in(value: object) -> list[str]:
    """Names of the ``{credential: NAME}`` secrets anywhere in a parsed config."""
    if isinstance(value, dict):
        if set(value) == {"credential"}:
            return [str(value["credential"])]
        return [name for item in value.values() for name in credentials_in(item)]
    if isinstance(value, list):
        return [name for item in value for name in credentials_in(item)]
    return []


def test_example_gateway_config_loads_with_the_credentials_the_unit_provides(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    unit = (DEPLOY / "systemd" / "smartcommunity-edge.service").read_text(encoding="utf-8")
    provided = re.findall(r"^LoadCredential=([^:\s]+):", unit, flags=re.MULTILINE)
    example = yaml.safe_load((DEPLOY / "gateway.example.yaml").read_text(encoding="utf-8"))
    wanted = list(credentials_in(example))
    assert wanted and set(wanted) <= set(provided)
    for name in provided:
        (tmp_path / name).write_text(f"value of {name}\n", encoding="utf-8")
    monkeypatch.setenv("CREDENTIALS_DIRECTORY", str(tmp_path))
    config = load_config(DEPLOY / "gateway.example.yaml")
    assert config.broker.tls is True
    assert config.outbox.fsync == "full"
    assert config.broker.password is not None
    assert config.broker.password.get_secret_value() == "value of broker.pass"
