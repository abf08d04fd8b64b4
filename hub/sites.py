"""Load the site registry (street > community > building > unit, gateways, devices)."""

from __future__ import annotations

import psycopg

from protocol.sites import Scenario


def load_sites(conn: psycopg.Connection[tuple[object, ...]], scenario: Scenario) -> int:
    """Upsert every site, gateway and device of ``scenario``; return the number of sites."""
    sites = scenario.sites()
    with conn.cursor() as cur:
        cur.executemany(
            "INSERT INTO sites (id, kind, parent_id, name, path) VALUES (%s, %s, %s, %s, %s)"
            " ON CONFLICT (id) DO UPDATE SET kind = excluded.kind, parent_id = excluded.parent_id,"
            " name = excluded.name, path = excluded.path",
            [(s.id, s.kind, s.parent_id, s.name, s.path) for s in sites],
        )
        gateways = scenario.gateways()
        cur.executemany(
            "INSERT INTO gateways (id, site_id, name) VALUES (%s, %s, %s)"
            " ON CONFLICT (id) DO UPDATE SET site_id = excluded.site_id, name = excluded.name",
            [(g.id, g.site_id, g.name) for g in gateways],
        )
        cur.executemany(
            "INSERT INTO devices (gateway_id, id, site_id, kind) VALUES (%s, %s, %s, %s)"
            " ON CONFLICT (gateway_id, id) DO UPDATE SET site_id = excluded.site_id,"
            " kind = excluded.kind",
            [(g.id, d.id, d.unit or g.site_id, d.kind) for g in gateways for d in g.devices],
        )
    return len(sites)
