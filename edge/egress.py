"""The one privacy egress gate every outgoing message passes.

Raw faces, full plate strings, names and phone numbers must never leave the
gateway (ARCHITECTURE guarantee 2). Capabilities desensitise what they emit;
this gate is the last line: it scans the serialised payload and refuses any
message that still carries a full Chinese plate, a mainland mobile number or
a resident ID number, or a registered resident name, so a bug upstream
becomes a loud error instead of a leak.
"""

from __future__ import annotations

import logging
import re
import json
from collections.abc import Iterable, Iterator

from edge.errors import PrivacyViolation

logger = logging.getLogger(__name__)

_PROVINCES = "京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼使领"
# A full plate: province + issuing letter + 5 or 6 alphanumerics (+ optional
# special suffix); a separator dot or space may appear after the letter.
# Masked plates such as 冀A·1**45 contain '*' and so never match.
FULL_PLATE_RE = re.compile(
    rf"[{_PROVINCES}][A-Z][·.\s]?[A-HJ-NP-Z0-9]{{4,5}}[A-HJ-NP-Z0-9挂学警港澳领使]"
)
MOBILE_RE = re.compile(r"(?<!\d)(?:\+?86[- ]?)?1[3-9]\d{9}(?!\d)")
RESIDENT_ID_RE = re.compile(r"(?<!\d)\d{17}[\dXx](?!\d)")


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
    """Refuses payloads that would carry personal data off the gateway.

    ``names`` are resident names known to this gateway (for example from an
    allow-list with display names); they are matched literally.
    """

    def __init__(self, *, names: Iterable[str] = ()) -> None:
        self._names = tuple(n for n in names if len(n) >= 2)
        self.refused = 0

    def screen(self, payload: bytes, *, what: str) -> bytes:
        """Return ``payload`` unchanged if clean; raise PrivacyViolation otherwise."""
        raw = payload.decode("utf-8", errors="replace")
        if "\\u" not in raw and not self._suspect(raw):
            return payload  # fast path: nothing that even looks like personal data
        # Look again at string values only (numbers such as timestamps are not
        # identity numbers), with JSON escapes decoded so nothing can hide.
        for text in _strings(raw):
            for label, pattern in _PATTERNS:
                if pattern.search(text):
                    self._refuse(what, label)
            for name in self._names:
                if name in text:
                    self._refuse(what, "resident name")
        return payload

    def _suspect(self, text: str) -> bool:
        return any(p.search(text) for _, p in _PATTERNS) or any(n in text for n in self._names)

    def _refuse(self, what: str, label: str) -> None:
        self.refused += 1
        logger.error("egress refused %s: it contains a %s", what, label)
        raise PrivacyViolation(what=what, found=label)
