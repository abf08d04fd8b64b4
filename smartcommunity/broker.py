"""Run a local Mosquitto with the project's ACL, for the demo and the tests.

The ACL is the one shipped in deploy/mosquitto/acl, so tests exercise the
same confinement a real site broker enforces.
"""

from __future__ import annotations

import getpass
import logging
import shutil
import signal
import socket
import subprocess
import time
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

from protocol.codec import BROKER_MESSAGE_SIZE_LIMIT

logger = logging.getLogger(__name__)


class BrokerError(RuntimeError):
    """Mosquitto is missing or did not start."""


def free_port() -> int:
    """An unused TCP port on the loopback interface."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def acl_text() -> str:
    """The shipped ACL file."""
    return resources.files("smartcommunity").joinpath("data/acl").read_text(encoding="utf-8")


@dataclass
class Mosquitto:
    """A Mosquitto process on 127.0.0.1 with password auth and the project ACL."""

    workdir: Path
    users: dict[str, str]
    port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None

    @staticmethod
    def available() -> bool:
        """True when mosquitto and mosquitto_passwd are installed."""
        return bool(shutil.which("mosquitto") and shutil.which("mosquitto_passwd"))

    def _write_config(self) -> Path:
        self.workdir.mkdir(parents=True, exist_ok=True)
        (self.workdir / "data").mkdir(exist_ok=True)
        passwd = self.workdir / "passwd"
        passwd.write_text("")
        for user, password in self.users.items():
            subprocess.run(
                ["mosquitto_passwd", "-b", str(passwd), user, password],
                check=True,
                capture_output=True,
            )
        passwd.chmod(0o600)
        (self.workdir / "acl").write_text(acl_text())
        conf = self.workdir / "mosquitto.conf"
        conf.write_text(
            "per_listener_settings false\n"
            "allow_anonymous false\n"
            f"password_file {passwd}\n"
            f"acl_file {self.workdir / 'acl'}\n"
            f"listener {self.port} 127.0.0.1\n"
            "persistence true\n"
            f"persistence_location {self.workdir / 'data'}/\n"
            "autosave_interval 1\n"
            "max_inflight_messages 1000\n"
            "max_queued_messages 1000000\n"
            "max_queued_bytes 0\n"
            f"message_size_limit {BROKER_MESSAGE_SIZE_LIMIT}\n"
            "set_tcp_nodelay true\n"
            f"user {getpass.getuser()}\n"
            f"log_dest file {self.workdir / 'mosquitto.log'}\n"
            "log_type error\nlog_type warning\nlog_type notice\n"
        )
        return conf

    def start(self, *, timeout_s: float = 10) -> None:
        """Start (or restart) the broker and wait until it accepts connections."""
        if not self.available():
            raise BrokerError(
                "mosquitto is not installed; run ./scripts/setup (it installs Debian's mosquitto)"
            )
        conf = self._write_config()
        self.process = subprocess.Popen(
            ["mosquitto", "-c", str(conf)], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
        )
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                err = self.process.stderr.read().decode() if self.process.stderr else ""
                raise BrokerError(f"mosquitto exited with {self.process.returncode}: {err}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2):
                    logger.info("mosquitto listening on 127.0.0.1:%d", self.port)
                    return
            except OSError:
                time.sleep(0.05)
        raise BrokerError(f"mosquitto did not listen on port {self.port} within {timeout_s} s")

    def stop(self, *, sig: int = signal.SIGTERM) -> None:
        """Stop the broker (SIGTERM saves its persistence file first)."""
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(sig)
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)
        self.process = None
