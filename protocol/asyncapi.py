"""Generate the AsyncAPI 3 document of protocol v1 from the pydantic models."""

from __future__ import annotations

import json
from typing import Any

from protocol.codec import MAX_PAYLOAD_BYTES
from protocol.models import MODEL_BY_KIND, SCHEMA_VERSION
from protocol.topics import PREFIX, Kind

_QOS = {Kind.HEALTH: 0}
_RETAINED = {Kind.STATE}
_SUMMARY = {
    Kind.EVENT: "Detections and alarms observed at the edge.",
    Kind.TELEMETRY: "A batch of sensor readings.",
    Kind.STATE: "Retained birth/death of the gateway; death is the MQTT will.",
    Kind.HEALTH: "Periodic statistics of the gateway and its sources.",
    Kind.EVIDENCE: "A desensitised image or clip referenced from events by hash.",
    Kind.CMD: "A command from the hub to the gateway.",
    Kind.CMD_ACK: "The gateway's answer to a command.",
}


def _schemas() -> dict[str, Any]:
    schemas: dict[str, Any] = {}
    for kind, model in MODEL_BY_KIND.items():
        schema = model.model_json_schema(ref_template="#/components/schemas/{model}")
        for name, sub in schema.pop("$defs", {}).items():
            schemas[name] = sub
        schemas[model.__name__] = schema
        del kind
    return schemas


def build_document() -> dict[str, Any]:
    """The AsyncAPI 3.0 document as a dict (stable key order)."""
    channels: dict[str, Any] = {}
    operations: dict[str, Any] = {}
    messages: dict[str, Any] = {}
    for kind, model in MODEL_BY_KIND.items():
        name = kind.value.replace("-", "_")
        messages[name] = {
            "name": model.__name__,
            "summary": _SUMMARY[kind],
            "contentType": "application/json",
            "payload": {"$ref": f"#/components/schemas/{model.__name__}"},
            "bindings": {"mqtt": {"bindingVersion": "0.2.0"}},
            "x-max-bytes": MAX_PAYLOAD_BYTES[kind],
        }
        channels[name] = {
            "address": f"{PREFIX}/gw/{{gateway_id}}/{kind.value}",
            "parameters": {"gateway_id": {"description": "Gateway id (also its MQTT user name)."}},
            "messages": {name: {"$ref": f"#/components/messages/{name}"}},
        }
        outgoing = kind is not Kind.CMD
        operations[f"{'publish' if outgoing else 'receive'}_{name}"] = {
            "action": "send" if outgoing else "receive",
            "channel": {"$ref": f"#/channels/{name}"},
            "summary": f"{'Gateway publishes' if outgoing else 'Gateway receives'} {kind.value}.",
            "bindings": {
                "mqtt": {
                    "qos": _QOS.get(kind, 1),
                    "retain": kind in _RETAINED,
                    "bindingVersion": "0.2.0",
                }
            },
        }
    return {
        "asyncapi": "3.0.0",
        "info": {
            "title": "smartcommunity edge-hub protocol",
            "version": f"{SCHEMA_VERSION}.0.0",
            "description": "Wire contract between edge gateways and the hub (generated).",
        },
        "defaultContentType": "application/json",
        "channels": channels,
        "operations": operations,
        "components": {"messages": messages, "schemas": _schemas()},
    }


def render() -> str:
    """The document as the JSON text committed to docs/asyncapi.json."""
    return json.dumps(build_document(), indent=2, ensure_ascii=False, sort_keys=False) + "\n"
