"""Fixtures: a real hub over the embedded PostgreSQL and a real headless Chromium.

Each test gets its own database, copied from a template that already holds the
schema, the test site tree and one user per role: hashing seven argon2
passwords per test (slow on purpose) would triple the run time.
"""

from __future__ import annotations

import itertools
import os
from collections.abc import Iterator
from dataclasses import dataclass, field

import psycopg
import pytest
from playwright.sync_api import Browser, Page, Request, sync_playwright

from hub.runtime import HubRuntime
from tests.factories import PASSWORD, add_users, hub_settings
from tests.hub.web.harness import BROWSER_ARGS, CHROMIUM, SCENARIO, console_app, serve


@dataclass
class Hub:
    """A running hub: where it listens and its database."""

    origin: str
    database_url: str


@dataclass
class Tab:
    """A browser tab and every URL it requested."""

    page: Page
    hub: Hub
    requests: list[str] = field(default_factory=list)

    def sign_in(self, username: str, *, expect_page: str) -> None:
        """Sign in through the sign-in page and wait for the role's console."""
        self.page.goto(f"{self.hub.origin}/console/")
        self.page.fill("input[name=username]", username)
        self.page.fill("input[name=password]", PASSWORD)
        self.page.click("button[type=submit]")
        self.page.wait_for_url(f"{self.hub.origin}/console/{expect_page}")
        self.page.wait_for_selector("main[aria-busy=false]")

    def foreign_requests(self) -> list[str]:
        """Requests to anywhere but the hub (there must be none: the consoles work offline)."""
        own = (self.hub.origin, "ws" + self.hub.origin.removeprefix("http"))
        return [u for u in self.requests if not u.startswith(own)]


_counter = itertools.count()


def _database(server_url: str, name: str) -> str:
    info = psycopg.conninfo.conninfo_to_dict(server_url)
    info["dbname"] = name
    return psycopg.conninfo.make_conninfo(**{k: str(v) for k, v in info.items() if v is not None})


@pytest.fixture(scope="session")
def console_template(pg_server: str) -> Iterator[str]:
    """Name of a database with the schema, the test scenario and users (see module doc)."""
    name = f"web_template_{os.getpid()}"
    with psycopg.connect(pg_server, autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name}")
    url = _database(pg_server, name)
    HubRuntime.start(hub_settings(url, 1, scenario=SCENARIO), ingest=False).stop()
    add_users(url)
    yield name
    with psycopg.connect(pg_server, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


@pytest.fixture
def console_db(pg_server: str, console_template: str) -> Iterator[str]:
    """A fresh copy of the template database for one test."""
    name = f"web_{os.getpid()}_{next(_counter)}"
    with psycopg.connect(pg_server, autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name} TEMPLATE {console_template}")
    yield _database(pg_server, name)
    with psycopg.connect(pg_server, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


@pytest.fixture
def hub(console_db: str) -> Iterator[Hub]:
    """The hub with the test site tree and one user per role."""
    app = console_app(hub_settings(console_db, 1, scenario=SCENARIO))
    with serve(app) as origin:
        yield Hub(origin, console_db)


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    """Debian's Chromium, driven by Playwright (no downloaded browser)."""
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=BROWSER_ARGS)
        yield chromium
        chromium.close()


def _tab(browser: Browser, hub: Hub, **context: object) -> Iterator[Tab]:
    ctx = browser.new_context(locale="zh-CN", **context)  # type: ignore[arg-type]
    ctx.set_default_timeout(10_000)
    page = ctx.new_page()
    tab = Tab(page, hub)

    def record(request: Request) -> None:
        tab.requests.append(request.url)

    page.on("request", record)
    page.on("websocket", lambda ws: tab.requests.append(ws.url))
    yield tab
    ctx.close()


@pytest.fixture
def tab(browser: Browser, hub: Hub) -> Iterator[Tab]:
    """A desktop-sized tab (1600x1000) on the hub."""
    yield from _tab(browser, hub, viewport={"width": 1600, "height": 1000})


@pytest.fixture
def phone(browser: Browser, hub: Hub) -> Iterator[Tab]:
    """A phone-sized tab (390x844, touch)."""
    yield from _tab(
        browser, hub, viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True
    )
