"""Push configuration: valid documents parse; malformed ones fail with a message that says why."""

from __future__ import annotations

import re
import time
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from hub.push.config import Gb28181Target, PushConfig, WebhookTarget, load_push_config
from hub.push.webhook import encode_body, sign

GB = {
    "name": "city-vms",
    "kind": "gb28181",
    "levels": ["street"],
    "host": "127.0.0.1",
    "platform_id": "34020000002000000001",
    "domain": "3402000000",
    "local_id": "13010200002000000001",
    "devices": {"gw-a/cam-1": "13010200001320000001"},
}
HOOK = {
    "name": "vms",
    "kind": "webhook",
    "levels": ["community"],
    "url": "https://vms.example.test/hook",
    "secret": "s" * 16,
}


def _config(*targets: dict[str, Any]) -> dict[str, Any]:
    return {"hub_base_url": "https://hub.example.test", "targets": list(targets)}


def test_valid_config_parses_both_kinds() -> None:
    config = PushConfig.model_validate(_config(HOOK, GB))
    assert isinstance(config.targets[0], WebhookTarget)
    assert isinstance(config.targets[1], Gb28181Target)
    assert config.targets[1].encoding == "GB2312"
    assert config.target("city-vms") is config.targets[1]
    assert config.evidence_url("ab" * 32) == (
        "https://hub.example.test/api/v1/evidence/" + "ab" * 32
    )
    assert "s" * 16 not in repr(config)  # the secret never shows in logs


@pytest.mark.parametrize(
    ("document", "expected"),
    [
        (_config(GB | {"devices": {"gw-a/cam-1": "1301020000132000001"}}), "exactly 20 ASCII"),
        (_config(GB | {"devices": {"gw-a/cam-1": "130102000013200000012"}}), "(21 characters)"),
        (_config(GB | {"devices": {"gw-a/cam-1": "1301020000132000000X"}}), "20 ASCII digits"),
        (_config(GB | {"local_id": "１３０１０２００００２０００００００１"}), "20 ASCII digits"),
        (_config(GB | {"platform_id": ""}), "exactly 20"),
        (_config(GB | {"kind": "onvif"}), "does not match any of the expected tags"),
        (_config({k: v for k, v in HOOK.items() if k != "secret"}), "secret\n  Field required"),
        (_config(HOOK | {"secret": "tiny-secret"}), "at least 16 characters, got 11"),
        (_config(HOOK | {"levels": ["building"]}), "'community' or 'street'"),
        (_config(HOOK | {"levels": []}), "at least 1 item"),
        (_config(HOOK | {"url": "ftp://vms.example.test"}), "URL scheme should be 'http' or"),
        (_config(HOOK | {"colour": "red"}), "Extra inputs are not permitted"),
        (_config(HOOK, HOOK), "target names must be unique, got duplicates ['vms']"),
        (_config(GB | {"alarm_kinds": {"fall": {"method": 9}}}), "less than or equal to 7"),
        (_config(GB | {"encoding": "latin-1"}), "'GB2312' or 'UTF-8'"),
        (_config() | {"backoff_base_s": 60, "backoff_cap_s": 5}, "backoff_cap_s (5.0) must be"),
        (
            _config(HOOK | {"timeout_s": 30}) | {"lease_s": 60},
            "lease_s (60.0) must be at least 180",
        ),
    ],
)
def test_malformed_config_is_refused_with_reason(document: dict[str, Any], expected: str) -> None:
    with pytest.raises(ValidationError) as caught:
        PushConfig.model_validate(document)
    assert expected in str(caught.value)
    assert "tiny-secret" not in str(caught.value)  # a rejected secret is not echoed


DOC = Path(__file__).parents[3] / "docs" / "video-platform-push.md"


def _doc_block(language: str) -> str:
    blocks = re.findall(rf"```{language}\n(.*?)```", DOC.read_text(encoding="utf-8"), re.S)
    assert blocks, f"no {language} block in {DOC}"
    return str(blocks[0])


def test_documented_example_config_loads(tmp_path: Path) -> None:
    path = tmp_path / "push.yaml"
    path.write_text(_doc_block("yaml"), encoding="utf-8")
    config = load_push_config(path)
    assert [t.name for t in config.targets] == ["community-vms", "street-gb28181"]
    gb = config.targets[1]
    assert isinstance(gb, Gb28181Target)
    assert gb.devices["gw-a/cam-1"] == "13010200001320000001"


def test_documented_verification_snippet_accepts_only_our_signature() -> None:
    namespace: dict[str, Any] = {}
    exec(compile(_doc_block("python"), str(DOC), "exec"), namespace)  # noqa: S102 - our own doc
    verify = namespace["verify_request"]
    body = encode_body({"alert": {"id": 1}})
    now = int(time.time())
    headers = {"X-SC-Timestamp": str(now), "X-SC-Signature": sign(b"k" * 16, now, body)}
    assert verify(b"k" * 16, headers, body) is True
    assert verify(b"k" * 16, headers, body.replace(b"1", b"2")) is False
    assert verify(b"j" * 16, headers, body) is False
    old = {"X-SC-Timestamp": str(now - 600), "X-SC-Signature": sign(b"k" * 16, now - 600, body)}
    assert verify(b"k" * 16, old, body) is False
