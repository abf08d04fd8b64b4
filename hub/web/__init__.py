"""Web consoles for the people on duty, served by the hub itself (no CDN, works on a LAN)."""

from hub.web.routes import router

__all__ = ["router"]
