"""What a user may see, as SQL conditions on site paths.

Street officers see their street, community officers and property security
their community, caregivers the residents assigned to them, admins and
auditors everything. Conditions are parameterised; nothing from the user is
pasted into SQL.
"""

from __future__ import annotations

from typing import Any

from hub.auth.users import User

UNSCOPED = ("admin", "auditor")


def path_condition(user: User, column: str) -> tuple[str, dict[str, Any]]:
    """SQL condition limiting ``column`` (a site path) to the user's subtree."""
    if user.role in UNSCOPED:
        return "TRUE", {}
    if user.site_path is None:
        return "FALSE", {}
    return (
        f"({column} = %(scope_path)s OR starts_with({column}, %(scope_path)s || '/'))",
        {"scope_path": user.site_path},
    )


def alert_condition(user: User, alias: str = "a") -> tuple[str, dict[str, Any]]:
    """SQL condition limiting alerts to what the user may see."""
    if user.role == "caregiver":
        return f"{alias}.resident_id = ANY(%(residents)s)", {"residents": sorted(user.residents)}
    return path_condition(user, f"{alias}.site_path")


def may_act(user: User) -> bool:
    """Roles that handle alerts (auditors only read the audit trail; caregivers acknowledge)."""
    return user.role in (
        "street_officer",
        "community_officer",
        "property_security",
        "admin",
        "caregiver",
    )
