"""Hub commands for household safety: valve.open, valve.close, resident.away.

The valve re-opens only on an authorised command and only when every
detector of the household reads normal air now; it never re-opens by itself.
Every refusal says why, so the duty officer knows what to do next.
"""

from __future__ import annotations

import logging
import re

from pydantic import ValidationError

from edge.egress import MOBILE_RE, RESIDENT_ID_RE
from edge.household.config import AwayPeriod
from edge.household.emit import Emitter
from edge.household.interlock import GasInterlock
from edge.household.welfare import Welfare
from protocol.models import AckStatus, Command, CommandAck

logger = logging.getLogger(__name__)

COMMANDS = frozenset({"valve.open", "valve.close", "resident.away"})
ACCOUNT_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@:-]{0,63}$")


class CommandError(Exception):
    """A command is refused; the message is the ack's detail."""


def account(cmd: Command, key: str) -> str:
    """The operator account id under ``args[key]``, refusing personal data."""
    value = cmd.args.get(key)
    if not isinstance(value, str) or not ACCOUNT_RE.match(value):
        raise CommandError(
            f"{cmd.name} needs args.{key}: the operator account id that "
            f"authorised it (letters, digits, ._@:-), got {value!r}"
        )
    if MOBILE_RE.search(value) or RESIDENT_ID_RE.search(value):
        raise CommandError(
            f"args.{key} looks like a phone or ID number; send the operator's account id instead"
        )
    return value


class CommandHandler:
    """Applies household-safety commands to the interlock and welfare state."""

    def __init__(
        self,
        *,
        interlock: GasInterlock,
        welfare: dict[str, Welfare],
        emitter: Emitter,
    ) -> None:
        self._interlock = interlock
        self._welfare = welfare
        self._emitter = emitter

    def handle(self, cmd: Command, now_s: float) -> CommandAck:
        """Apply ``cmd``; return its acknowledgement (rejected with a reason when refused)."""
        try:
            if cmd.expires_at is not None and cmd.expires_at.timestamp() < now_s:
                raise CommandError("command expired before it reached the gateway; re-issue it")
            if cmd.name == "valve.open":
                status, detail = self._open(cmd, now_s)
            elif cmd.name == "valve.close":
                status, detail = self._close(cmd, now_s)
            elif cmd.name == "resident.away":
                status, detail = self._away(cmd)
            else:
                raise CommandError(
                    f"not a household-safety command: {cmd.name!r}; "
                    f"expected one of {sorted(COMMANDS)}"
                )
        except CommandError as exc:
            logger.warning("command %s %s rejected: %s", cmd.name, cmd.message_id, exc)
            status, detail = "rejected", str(exc)
        return cmd.ack(status, detail)

    def _valve(self, cmd: Command) -> str:
        if cmd.device_id is None or cmd.device_id not in self._interlock.valves:
            raise CommandError(
                f"{cmd.name} must name a valve of this gateway in device_id, got {cmd.device_id!r}"
            )
        return cmd.device_id

    def _open(self, cmd: Command, now_s: float) -> tuple[AckStatus, str]:
        valve_id = self._valve(cmd)
        authorised_by = account(cmd, "authorised_by")
        valve = self._interlock.valves[valve_id]
        if valve.failed:
            raise CommandError(
                "the valve failed to confirm its last close; inspect it on site before re-opening"
            )
        detectors = self._interlock.households[valve.config.household_id].detectors
        if not detectors:
            raise CommandError("no gas detector in this household can confirm normal air")
        for detector in detectors:
            reason = detector.is_safe_to_reopen(now_s)
            if reason is not None:
                raise CommandError(reason)
        valve.driver.command_open(now_s)
        valve.closing_since_s = None
        self._emitter.emit(
            event_type="valve_opened",
            device_id=valve_id,
            at_s=now_s,
            severity="info",
            data={"household_id": valve.config.household_id, "authorised_by": authorised_by},
        )
        return "accepted", f"valve opening, authorised by {authorised_by}"

    def _close(self, cmd: Command, now_s: float) -> tuple[AckStatus, str]:
        valve_id = self._valve(cmd)
        household_id = self._interlock.valves[valve_id].config.household_id
        self._interlock.close(household_id, now_s)
        return "accepted", "valve closing; closed position is reported by a valve_closed event"

    def _away(self, cmd: Command) -> tuple[AckStatus, str]:
        resident_id = cmd.args.get("resident_id")
        if not isinstance(resident_id, str) or resident_id not in self._welfare:
            raise CommandError(
                f"resident.away needs args.resident_id of a resident of this "
                f"gateway, got {resident_id!r}"
            )
        set_by = account(cmd, "set_by")
        try:
            period = AwayPeriod(
                start_s=cmd.args.get("start_s"), end_s=cmd.args.get("end_s"), set_by=set_by
            )
        except ValidationError as exc:
            raise CommandError(
                f"resident.away needs numeric args.start_s < args.end_s "
                f"(UTC epoch seconds): {exc.errors()[0]['msg']}"
            ) from exc
        self._welfare[resident_id].away.append(period)
        return "done", f"away from {period.start_s:.0f} to {period.end_s:.0f}"
