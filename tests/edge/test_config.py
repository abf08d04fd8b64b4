"""Gateway config loader: every problem is reported with the key that caused it."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from pydantic import BaseModel, SecretStr

from edge.config import MAX_CONFIG_BYTES, load_config, secret_fields
from edge.errors import ConfigError

GOOD = """
gateway_id: gw-a
broker: {host: 127.0.0.1, port: 1883, username: gw-a, password: secret}
outbox: {path: /tmp/outbox.sqlite}
devices:
  - {type: simulated_meter, id: wm-1, medium: water}
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "gw.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_good_config_loads(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, GOOD))
    assert config.gateway_id == "gw-a"
    assert config.devices[0].medium == "water"
    assert config.broker.password is not None
    assert "secret" not in repr(config)  # secrets are not echoed in logs


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        (GOOD.replace("gateway_id", "gateway_idd"), "gateway_idd: unknown key"),
        (GOOD.replace("port: 1883", "port: many"), "broker.port: Input should be a valid integer"),
        (GOOD.replace("port: 1883", "port: 70000"), "broker.port"),
        (GOOD.replace("medium: water", "medium: steam"), "devices.0.simulated_meter.medium"),
        (GOOD.replace("outbox: {path: /tmp/outbox.sqlite}", ""), "outbox: required key is missing"),
        (GOOD.replace("gw-a\nbroker", "GW A\nbroker"), "gateway_id"),
        (GOOD.replace("type: simulated_meter", "type: teleporter"), "devices.0"),
        (GOOD + "  - {type: simulated_meter, id: wm-1, medium: gas}\n", "appears twice"),
        ("- just\n- a list\n", "expected a mapping"),
        ("gateway_id: [unclosed\n", "not valid YAML"),
        (
            "broker: {reconnect_min_s: 9, reconnect_max_s: 1}\n"
            + GOOD.split("broker:", maxsplit=1)[0],
            "reconnect_min_s",
        ),
    ],
)
def test_bad_config_names_the_problem(tmp_path: Path, text: str, fragment: str) -> None:
    with pytest.raises(ConfigError) as info:
        load_config(write(tmp_path, text))
    assert fragment in str(info.value), info.value.problems


def test_missing_file_says_so(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="file not found"):
        load_config(tmp_path / "nope.yaml")


def test_oversized_file_is_refused_without_parsing(tmp_path: Path) -> None:
    path = write(tmp_path, "#" * (MAX_CONFIG_BYTES + 1))
    with pytest.raises(ConfigError, match="limit"):
        load_config(path)


def test_binary_garbage_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "gw.yaml"
    path.write_bytes(b"\xff\xfe\x00\x01garbage")
    with pytest.raises(ConfigError, match="not valid YAML"):
        load_config(path)


def test_yaml_bombs_are_not_expanded(tmp_path: Path) -> None:
    bomb = (
        "a: &a [x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a]\n"
        "c: &c [*b, *b, *b, *b, *b, *b, *b, *b]\n"
    )
    with pytest.raises(ConfigError, match="unknown key"):
        load_config(write(tmp_path, bomb))


def test_a_config_with_secrets_that_others_may_read_is_warned_about(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = write(tmp_path, GOOD.replace("password: secret", "password: pw-0f3a9"))
    path.chmod(0o644)
    with caplog.at_level(logging.WARNING, logger="edge.config"):
        load_config(path)
    assert "holds secrets (broker.password)" in caplog.text
    assert "mode 644" in caplog.text and "chmod 600" in caplog.text
    assert "pw-0f3a9" not in caplog.text
    caplog.clear()
    path.chmod(0o600)
    with caplog.at_level(logging.WARNING, logger="edge.config"):
        load_config(path)
    assert caplog.text == ""
    # Without a secret in it, a readable config is fine.
    path.write_text(GOOD.replace(", password: secret", ""), encoding="utf-8")
    assert "password" not in path.read_text(encoding="utf-8")
    path.chmod(0o644)
    with caplog.at_level(logging.WARNING, logger="edge.config"):
        load_config(path)
    assert caplog.text == ""


def test_secret_fields_are_found_in_nested_sections_and_lists() -> None:
    class Inner(BaseModel):
        key: SecretStr | None = None

    class Outer(BaseModel):
        password: SecretStr
        items: list[Inner]

    outer = Outer(password=SecretStr("x"), items=[Inner(), Inner(key=SecretStr("k"))])
    assert secret_fields(outer) == ["password", "items[1].key"]


def with_password(value: str) -> str:
    return GOOD.replace("password: secret", f"password: {value}")


def test_a_secret_is_read_from_a_file_and_the_config_is_then_not_secret(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    secret_file = tmp_path / "broker.pass"
    secret_file.write_text("pw-from-file\n", encoding="utf-8")
    secret_file.chmod(0o600)
    path = write(tmp_path, with_password(f"{{file: {secret_file}}}"))
    path.chmod(0o644)
    with caplog.at_level(logging.WARNING):
        config = load_config(path)
    assert config.broker.password is not None
    # The line end `echo` leaves behind is not part of the password.
    assert config.broker.password.get_secret_value() == "pw-from-file"
    assert caplog.text == ""  # the YAML holds no secret, the secret file is 600
    assert secret_fields(config) == []
    secret_file.chmod(0o640)
    with caplog.at_level(logging.WARNING):
        load_config(path)
    assert f"secret file {secret_file}" in caplog.text and "chmod 600" in caplog.text
    assert "pw-from-file" not in caplog.text


def test_a_secret_is_read_from_a_systemd_credential_or_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    credentials = tmp_path / "credentials"
    credentials.mkdir()
    (credentials / "broker.pass").write_text("pw-credential", encoding="utf-8")
    (credentials / "broker.pass").chmod(0o400)
    monkeypatch.setenv("CREDENTIALS_DIRECTORY", str(credentials))
    monkeypatch.setenv("SC_TEST_BROKER_PASSWORD", "pw-environment")
    config = load_config(write(tmp_path, with_password("{credential: broker.pass}")))
    assert config.broker.password is not None
    assert config.broker.password.get_secret_value() == "pw-credential"
    config = load_config(write(tmp_path, with_password("{env: SC_TEST_BROKER_PASSWORD}")))
    assert config.broker.password is not None
    assert config.broker.password.get_secret_value() == "pw-environment"


@pytest.mark.parametrize(
    ("value", "fragment"),
    [
        ("{file: /nonexistent/broker.pass}", "secret file /nonexistent/broker.pass does not exist"),
        ("{file: /}", "is not a regular file"),
        ("{file: ''}", "file: expected a non-empty string"),
        ("{env: SC_TEST_UNSET_VARIABLE}", "environment variable SC_TEST_UNSET_VARIABLE is not set"),
        ("{env: 'A B'}", "is not an environment variable name"),
        ("{env: [1, 2]}", "env: expected a non-empty string"),
        ("{credential: ../../etc/shadow}", "is not a credential name"),
        ("{credential: broker.pass}", "CREDENTIALS_DIRECTORY is not set"),
        ("{vault: secret/broker}", "got keys ['vault']"),
        ("{file: /a, env: B}", "got keys ['env', 'file']"),
        ("{}", "got keys []"),
    ],
)
def test_a_secret_that_cannot_be_read_is_a_clear_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, value: str, fragment: str
) -> None:
    monkeypatch.delenv("SC_TEST_UNSET_VARIABLE", raising=False)
    monkeypatch.delenv("CREDENTIALS_DIRECTORY", raising=False)
    with pytest.raises(ConfigError) as info:
        load_config(write(tmp_path, with_password(value)))
    assert "broker.password" in str(info.value)
    assert fragment in str(info.value), info.value.problems


@pytest.mark.parametrize(
    ("content", "fragment"),
    [
        (b"\n  \n", "is empty"),
        (b"\xff\xfe binary", "is not UTF-8 text"),
        (b"x" * (64 * 1024 + 1), "limit 65536"),
    ],
)
def test_a_bad_secret_file_is_refused(tmp_path: Path, content: bytes, fragment: str) -> None:
    secret_file = tmp_path / "broker.pass"
    secret_file.write_bytes(content)
    secret_file.chmod(0o600)
    with pytest.raises(ConfigError, match=fragment):
        load_config(write(tmp_path, with_password(f"{{file: {secret_file}}}")))


def test_a_rejected_secret_is_never_echoed_in_the_error(tmp_path: Path) -> None:
    gate = "gate: {device_id: gate-1, lists_path: /tmp/lists.sqlite, secret: hunter2-short}\n"
    with pytest.raises(ConfigError) as info:
        load_config(write(tmp_path, GOOD + gate))
    assert "gate.secret: Value error, secret must be at least 16 characters" in str(info.value)
    assert "hunter2" not in str(info.value)
    # A check of a whole section sees the secret among its keys: hidden there too.
    camera = """
facade_cameras:
  - source: {id: cam-1, kind: simulator, seed: 1}
    falling:
      gateway_id: gw-a
      calibration: {}
      evidence: {raw_dir: /tmp/raw, raw_key: not-a-fernet-key-0123456789}
"""
    with pytest.raises(ConfigError) as info:
        load_config(write(tmp_path, GOOD + camera))
    assert "not-a-fernet-key" not in str(info.value)
    assert "'raw_key': '<hidden>'" in str(info.value)
