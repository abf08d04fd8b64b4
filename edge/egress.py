"""The one privacy egress gate every outgoing message passes.

Raw faces, full plate strings, names and phone numbers must never leave the
gateway (ARCHITECTURE guarantee 2). Capabilities desensitise what they emit;
this gate is the last line: it scans the serialised payload and refuses any
message that still carries a full Chinese plate, a mainland mobile number or
a resident ID number, or a registered resident name, so a bug upstream
becomes a loud error instead of a leak. Raw (not desensitised) evidence
passes only when it answers a release the hub approved and commanded
(``authorise_release``), once.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterable, Iterator

from edge.errors import PrivacyViolation
from protocol.models import Envelope, Evidence, Telemetry

logger = logging.getLogger(__name__)

_PROVINCES = "京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼使领"
# A full plate: province + issuing letter + 5 or 6 alphanumerics (+ optional
# special suffix); a separator dot or space may appear after the letter.
# Masked plates such as 冀A·1**45 contain '*' and so never match.
FULL_PLATE_RE = re.compile(
    rf"[{_PROVINCES}][A-Z][·.\s]?[A-HJ-NP-Z0-9]{{4,5}}[A-HJ-NP-Z0-9挂学警港澳领使]"
)
# Boundaries are ASCII letters, digits and '.', not \w: a number inside a hex id
# or a decimal fraction is not a phone number, but one right after Chinese
# text (电话13812345678) is.
MOBILE_RE = re.compile(r"(?<![0-9A-Za-z.])(?:\+?86[- ]?)?1[3-9]\d{9}(?![0-9A-Za-z])")
RESIDENT_ID_RE = re.compile(r"(?<![0-9A-Za-z.])\d{17}[\dXx](?![0-9A-Za-z])")


_PATTERNS = (
    ("full plate", FULL_PLATE_RE),
    ("mobile number", MOBILE_RE),
    ("resident id number", RESIDENT_ID_RE),
)


def _strings(raw: str) -> Iterator[str]:
    """Every string (keys and values) in a JSON document; the raw text if it is not JSON."""
    try:
        document = json.loads(raw)
    except ValueError:
        yield raw
        return
    stack = [document]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            yield item
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)


class EgressGate:
    """Refuses messages that would carry personal data off the gateway.

    ``names`` are resident names known to this gateway (for example from an
    allow-list with display names); they are matched literally.
    """

    def __init__(self, *, names: Iterable[str] = ()) -> None:
        self._names = tuple(n for n in names if len(n) >= 2)
        self._releases: set[int] = set()
        self.refused = 0

    def authorise_release(self, release_id: int) -> None:
        """Let one raw evidence object answering ``release_id`` out (approved at the hub)."""
        self._releases.add(release_id)

    def screen_message(self, message: Envelope, *, what: str) -> Envelope:
        """Check every free-text value of a typed message; return it if clean.

        Typed fields (times, measured values) cannot hold personal data, so
        only strings, integers and keys are looked at, each distinct one once:
        a 2,000-reading telemetry batch costs a handful of checks.
        """
        if isinstance(message, Evidence) and not message.desensitised:
            if message.release_id not in self._releases:
                self._refuse(what, "raw image with no approved release")
            self._releases.discard(message.release_id)
        for text in _texts(message):
            self._check(text, what)
        return message

    def screen(self, payload: bytes, *, what: str) -> bytes:
        """Check a serialised (JSON or other) payload; return it if clean."""
        for text in _strings(payload.decode("utf-8", errors="replace")):
            self._check(text, what)
        return payload

    def _check(self, text: str, what: str) -> None:
        for label, pattern in _PATTERNS:
            if pattern.search(text):
                self._refuse(what, label)
        for name in self._names:
            if name in text:
                self._refuse(what, "resident name")

    def _refuse(self, what: str, label: str) -> None:
        self.refused += 1
        logger.error("egress refused %s: it contains a %s", what, label)
        raise PrivacyViolation(what=what, found=label)


def _texts(message: Envelope) -> set[str]:
    if isinstance(message, Telemetry):
        return {r.device_id for r in message.readings} | {r.metric for r in message.readings}
    if isinstance(message, Evidence):
        return {message.gateway_id}  # content is an image: desensitised by the capability
    found: set[str] = set()
    # Ids and times are generated and pattern-checked; random hex can look like a number.
    generated = {"message_id", "command_id", "device_time", "schema_version", "historical"}
    stack: list[object] = [message.model_dump(mode="json", exclude=generated)]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            found.add(item)
        elif isinstance(item, bool):
            continue
        elif isinstance(item, int):
            found.add(str(item))  # a phone number stored as a number is still a phone number
        elif isinstance(item, dict):
            found.update(str(k) for k in item)
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return found
