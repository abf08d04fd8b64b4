"""Raw (not desensitised) clips, kept encrypted on the gateway for a retention period.

They leave the gateway only through the approved-release path at the hub
(ARCHITECTURE guarantee 2); here they are only written, read back and purged.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable
from pathlib import Path

from cryptography.fernet import Fernet

logger = logging.getLogger(__name__)

SUFFIX = ".enc"
_NAME_RE = re.compile(r"^[A-Za-z0-9._-]{1,128}$")


class EncryptedRawStore:
    """Fernet-encrypted files in ``directory``, deleted after ``retention_s``."""

    def __init__(
        self,
        *,
        directory: Path,
        key: bytes,
        retention_s: float,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._dir = directory
        self._fernet = Fernet(key)
        self._retention = retention_s
        self._clock = clock
        directory.mkdir(parents=True, exist_ok=True)

    def _path(self, name: str) -> Path:
        if not _NAME_RE.match(name):
            raise ValueError(f"expected a plain file name of letters, digits, '._-', got {name!r}")
        return self._dir / (name + SUFFIX)

    def put(self, name: str, content: bytes) -> Path:
        """Encrypt and store ``content`` under ``name``; return the file."""
        path = self._path(name)
        tmp = path.with_suffix(".tmp")
        tmp.write_bytes(self._fernet.encrypt(content))
        tmp.replace(path)
        return path

    def get(self, name: str) -> bytes:
        """Decrypt the stored object ``name``."""
        return self._fernet.decrypt(self._path(name).read_bytes())

    def purge(self) -> int:
        """Delete objects older than the retention period; return how many."""
        cutoff = self._clock() - self._retention
        removed = 0
        for path in self._dir.glob("*" + SUFFIX):
            if path.stat().st_mtime < cutoff:
                path.unlink(missing_ok=True)
                removed += 1
        if removed:
            logger.info("purged %s raw clips older than %s s", removed, self._retention)
        return removed
