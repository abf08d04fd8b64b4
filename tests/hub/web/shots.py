"""Where console screenshots go: $SC_SCREENSHOTS (docs/screenshots when refreshing the docs)."""

from __future__ import annotations

import os
from pathlib import Path

from playwright.sync_api import Page


def screenshot(page: Page, name: str, fallback: Path) -> Path:
    """Save a PNG of the page (to $SC_SCREENSHOTS, else ``fallback``); return its path."""
    folder = Path(os.environ.get("SC_SCREENSHOTS") or fallback)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.png"
    # Queue rows off screen are not painted (content-visibility), so shoot from the top.
    page.evaluate("window.scrollTo(0, 0)")
    page.screenshot(path=path, full_page=True)
    return path
