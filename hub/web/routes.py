"""Pages and assets of the consoles.

Every file the browser needs is served from this package, so a console works
on a LAN with no internet. Assets are a fixed allow-list read at import: a
request can never name a file outside ``static/``.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, HTTPException
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse

router = APIRouter(tags=["consoles"], include_in_schema=False)

STATIC = Path(__file__).parent / "static"
MEDIA_TYPES = {
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".svg": "image/svg+xml",
}
ASSETS = {p.name: p for p in STATIC.iterdir() if p.suffix in MEDIA_TYPES}
PAGES = frozenset({"duty", "street", "security", "care"})
# Assets change only with a release; an hour's caching spares a slow LAN yet picks up upgrades.
ASSET_CACHE = "public, max-age=3600"
# Pages are never cached (a release must show at once). Only the hub's own files may load;
# evidence images are blob: URLs because they are fetched with the token.
PAGE_HEADERS = {
    "Cache-Control": "no-store",
    "Content-Security-Policy": "default-src 'self'; img-src 'self' blob:; media-src blob:",
}


def _page(name: str) -> str:
    """The shell HTML with the page name filled in (read once per request; files are small)."""
    shell = (STATIC / "shell.html").read_text(encoding="utf-8")
    return shell.replace("{{page}}", name)


@router.get("/")
def root() -> RedirectResponse:
    """The hub's front door is the sign-in page."""
    return RedirectResponse("/console/", status_code=307)


@router.get("/console/")
def sign_in_page() -> HTMLResponse:
    """Sign-in (登录)."""
    return HTMLResponse(_page("signin"), headers=PAGE_HEADERS)


@router.get("/console/{page}")
def console_page(page: str) -> HTMLResponse:
    """One console: duty (社区值班台), street (街道), security (物业安防), care (照护人)."""
    if page not in PAGES:
        raise HTTPException(404, f"no console {page!r}; there are {', '.join(sorted(PAGES))}")
    return HTMLResponse(_page(page), headers=PAGE_HEADERS)


@router.get("/console/static/{name}")
def asset(name: str) -> FileResponse:
    """A script, stylesheet or icon of the consoles."""
    path = ASSETS.get(name)
    if path is None:
        raise HTTPException(404, f"no console asset {name!r}")
    return FileResponse(
        path, media_type=MEDIA_TYPES[path.suffix], headers={"Cache-Control": ASSET_CACHE}
    )
