"""Paint time of the duty console (社区值班台) with many open alerts.

A real hub (embedded PostgreSQL, uvicorn in a thread) holds --alerts open
alerts in one community; Debian's Chromium opens the duty console as that
community's duty officer --runs times, each in a fresh browser context (cold
cache). The figure is the Performance API mark the console sets when the
queue is first drawn (``sc:queue-painted``, milliseconds since navigation
start); first-contentful-paint is reported beside it.

    .venv/bin/python -m bench.consoles --json [--alerts 1000] [--runs 5]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import tempfile
from pathlib import Path

import httpx
import psycopg
from playwright.sync_api import Browser, sync_playwright

from hub.auth.users import create_user
from smartcommunity.postgres import start_embedded
from tests.factories import hub_settings
from tests.hub.web.harness import (
    BROWSER_ARGS,
    CHROMIUM,
    SCENARIO,
    console_app,
    many_alarms,
    serve,
    store,
)

PASSWORD = "bench-password"
READ_PAINT = """() => new Promise((resolve) => {
    const look = () => {
        const mark = performance.getEntriesByName("sc:queue-painted")[0];
        const fcp = performance.getEntriesByName("first-contentful-paint")[0];
        if (mark) resolve([mark.startTime, fcp ? fcp.startTime : null]);
        else setTimeout(look, 10);
    };
    look();
})"""


def measure(browser: Browser, origin: str, token: str, user: dict[str, object]) -> list[float]:
    """One cold load of the duty console: [queue painted ms, first contentful paint ms]."""
    context = browser.new_context(viewport={"width": 1600, "height": 1000})
    context.add_init_script(
        f"sessionStorage.setItem('sc.token', {json.dumps(token)});"
        f"sessionStorage.setItem('sc.user', {json.dumps(json.dumps(user))});"
    )
    page = context.new_page()
    page.goto(f"{origin}/console/duty")
    painted, fcp = page.evaluate(READ_PAINT)
    rows = page.locator("li.alert").count()
    context.close()
    return [float(painted), float(fcp or 0), float(rows)]


def run(args: argparse.Namespace, work: Path) -> dict[str, object]:
    url = start_embedded(work / "pg", keep=False)
    app = console_app(hub_settings(url, 1, scenario=SCENARIO))
    with serve(app) as origin:
        with psycopg.connect(url) as conn:
            create_user(
                conn, username="duty", password=PASSWORD, role="community_officer", site_id="c-one"
            )
        store(url, many_alarms(args.alerts))
        reply = httpx.post(
            f"{origin}/api/v1/auth/login", json={"username": "duty", "password": PASSWORD}
        ).json()
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=BROWSER_ARGS)
            samples = [
                measure(browser, origin, reply["access_token"], reply["user"])
                for _ in range(args.runs)
            ]
            browser.close()
    painted = [s[0] for s in samples]
    fcp = [s[1] for s in samples]
    return {
        "alerts": args.alerts,
        "rows_drawn": int(samples[-1][2]),
        "runs": args.runs,
        "queue_painted_ms_median": round(statistics.median(painted)),
        "queue_painted_ms_max": round(max(painted)),
        "first_contentful_paint_ms_median": round(statistics.median(fcp)),
        "budget_ms": 1000,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--alerts", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="sc-bench-consoles-") as tmp:
        result = run(args, Path(tmp))
    result["machine"] = f"{platform.machine()}, {os.cpu_count()} cores"
    print(json.dumps(result) if args.json else json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
