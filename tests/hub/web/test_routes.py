"""The pages and assets the hub serves for the consoles (no browser needed)."""

from __future__ import annotations

import re

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from hub import web
from hub.web.routes import STATIC


@pytest.fixture(scope="module")
def client() -> TestClient:
    app = FastAPI()
    app.include_router(web.router)
    return TestClient(app)


@pytest.mark.parametrize("page", ["", "duty", "street", "security", "care"])
def test_pages_are_served_with_a_strict_policy(client: TestClient, page: str) -> None:
    response = client.get(f"/console/{page}")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert response.headers["content-security-policy"].startswith("default-src 'self'")
    assert f'data-page="{page or "signin"}"' in response.text


def test_root_goes_to_sign_in(client: TestClient) -> None:
    response = client.get("/", follow_redirects=False)
    assert (response.status_code, response.headers["location"]) == (307, "/console/")


def test_every_referenced_asset_exists_and_nothing_comes_from_elsewhere(
    client: TestClient,
) -> None:
    shell = client.get("/console/duty").text
    referenced = set(re.findall(r'(?:href|src)="([^"]+)"', shell))
    assert referenced
    assert all(url.startswith("/console/static/") for url in referenced)
    for url in referenced:
        assert client.get(url).status_code == 200, url
    for script in STATIC.glob("*.js"):  # imports are relative, never a URL
        for spec in re.findall(r'from "([^"]+)"|import\("([^"]+)"\)', script.read_text()):
            target = next(s for s in spec if s)
            assert target.startswith(("./", "/console/static/")), (script.name, target)


@pytest.mark.parametrize(
    ("name", "media_type"),
    [("app.js", "text/javascript"), ("console.css", "text/css"), ("icon.svg", "image/svg+xml")],
)
def test_assets_have_their_media_type(client: TestClient, name: str, media_type: str) -> None:
    response = client.get(f"/console/static/{name}")
    assert response.headers["content-type"].startswith(media_type)


@pytest.mark.parametrize(
    "path", ["/console/static/shell.html", "/console/static/..%2froutes.py", "/console/static/x.js"]
)
def test_only_listed_assets_are_served(client: TestClient, path: str) -> None:
    assert client.get(path).status_code == 404


def test_unknown_console_is_404(client: TestClient) -> None:
    response = client.get("/console/admin")
    assert response.status_code == 404
    assert "duty" in response.json()["detail"]
