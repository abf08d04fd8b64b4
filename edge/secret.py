"""Secrets of the gateway YAML, written in it or read from elsewhere at start.

A secret field (broker password, gate secret, raw-clip key) takes a string,
or a one-key mapping that says where to read it:

* ``{file: /etc/smartcommunity/broker.pass}``: a file holding the secret;
* ``{credential: broker.pass}``: a systemd credential (``LoadCredential=``),
  read from ``$CREDENTIALS_DIRECTORY``;
* ``{env: SC_BROKER_PASSWORD}``: an environment variable.

So the YAML itself can be handed around (config management, a support
ticket) without the secrets in it. A secret read this way is an
``ExternalSecret``: the loader knows it did not come from the YAML. No error
message here ever contains a secret's value.
"""

from __future__ import annotations

import logging
import os
import re
import stat
from pathlib import Path
from typing import Annotated

from pydantic import BeforeValidator, SecretStr

logger = logging.getLogger(__name__)

MAX_SECRET_FILE_BYTES = 64 * 1024
SOURCES = ("file", "credential", "env")
_CREDENTIAL_NAME = re.compile(r"[A-Za-z0-9_.-]{1,255}")
_ENV_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,254}")


class ExternalSecret(SecretStr):
    """A secret read from outside the YAML; ``source`` says where (never what)."""

    def __init__(self, secret_value: str, source: str) -> None:
        super().__init__(secret_value)
        self.source = source


def _read_file(path: Path) -> str:
    try:
        info = path.stat()
    except FileNotFoundError:
        raise ValueError(f"secret file {path} does not exist") from None
    except OSError as exc:
        raise ValueError(f"secret file {path} cannot be read ({exc.strerror})") from None
    if not stat.S_ISREG(info.st_mode):
        raise ValueError(f"secret file {path} is not a regular file")
    if info.st_size > MAX_SECRET_FILE_BYTES:
        raise ValueError(
            f"secret file {path} is {info.st_size} bytes, limit {MAX_SECRET_FILE_BYTES}"
        )
    try:
        text = path.read_bytes().decode("utf-8")
    except OSError as exc:
        raise ValueError(f"secret file {path} cannot be read ({exc.strerror})") from None
    except UnicodeDecodeError:
        raise ValueError(f"secret file {path} is not UTF-8 text") from None
    if info.st_mode & 0o077:
        logger.warning(
            "secret file %s may be read by other users of this machine (mode %o); chmod 600 it",
            path,
            info.st_mode & 0o777,
        )
    return text


def resolve(value: object) -> object:
    """A secret's value: ``value`` itself, or read from where a one-key mapping says."""
    if not isinstance(value, dict):
        return value
    keys = sorted(str(key) for key in value)
    if len(keys) != 1 or keys[0] not in SOURCES:
        raise ValueError(
            "a secret is a string or one of {file: PATH}, {credential: NAME}, "
            f"{{env: VARIABLE}}; got keys {keys}"
        )
    (kind,) = keys
    where = value[kind]
    if not isinstance(where, str) or not where:
        raise ValueError(f"{kind}: expected a non-empty string, got {where!r:.60}")
    if kind == "env":
        if not _ENV_NAME.fullmatch(where):
            raise ValueError(f"env: {where!r:.60} is not an environment variable name")
        if where not in os.environ:
            raise ValueError(f"environment variable {where} is not set")
        text, source = os.environ[where], f"environment variable {where}"
    elif kind == "credential":
        if not _CREDENTIAL_NAME.fullmatch(where):
            raise ValueError(f"credential: {where!r:.60} is not a credential name (no slashes)")
        directory = os.environ.get("CREDENTIALS_DIRECTORY")
        if not directory:
            raise ValueError(
                f"credential {where}: CREDENTIALS_DIRECTORY is not set; {{credential: ...}} "
                "works when systemd starts the agent with LoadCredential=, else use {file: ...}"
            )
        path = Path(directory) / where
        text, source = _read_file(path), f"systemd credential {where}"
    else:
        path = Path(where)
        text, source = _read_file(path), f"file {path}"
    # Files and `echo` leave a line end behind; a secret with trailing blanks is not meant.
    text = text.strip()
    if not text:
        raise ValueError(f"the secret from {source} is empty")
    return ExternalSecret(text, source)


Secret = Annotated[SecretStr, BeforeValidator(resolve)]
