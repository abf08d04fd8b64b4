"""Signed distance from a position to a circular or polygonal geofence.

Fences are a few hundred metres across, so a local equirectangular projection
is accurate to well under a metre; that keeps this to a ray cast and a
segment distance instead of adding a GEOS dependency for one test per fix.
"""

from __future__ import annotations

import math

from edge.household.config import CircleFence, PolygonFence

EARTH_RADIUS_M = 6_371_008.8


def _local_xy(lat: float, lon: float, lat0: float, lon0: float) -> tuple[float, float]:
    x = math.radians(lon - lon0) * math.cos(math.radians(lat0)) * EARTH_RADIUS_M
    y = math.radians(lat - lat0) * EARTH_RADIUS_M
    return x, y


def _segment_distance(
    p: tuple[float, float], a: tuple[float, float], b: tuple[float, float]
) -> float:
    dx, dy = b[0] - a[0], b[1] - a[1]
    length2 = dx * dx + dy * dy
    t = (
        0.0
        if length2 == 0
        else max(0.0, min(1.0, ((p[0] - a[0]) * dx + (p[1] - a[1]) * dy) / length2))
    )
    return math.hypot(p[0] - a[0] - t * dx, p[1] - a[1] - t * dy)


def outside_m(fence: CircleFence | PolygonFence, lat: float, lon: float) -> float:
    """Metres outside the fence (negative: metres inside, from the boundary)."""
    if isinstance(fence, CircleFence):
        x, y = _local_xy(lat, lon, fence.lat, fence.lon)
        return math.hypot(x, y) - fence.radius_m
    lat0, lon0 = fence.vertices[0]
    pts = [_local_xy(a, o, lat0, lon0) for a, o in fence.vertices]
    p = _local_xy(lat, lon, lat0, lon0)
    inside = False
    edges = list(zip(pts, pts[1:] + pts[:1], strict=True))
    for a, b in edges:
        if (a[1] > p[1]) != (b[1] > p[1]):
            cross_x = a[0] + (p[1] - a[1]) * (b[0] - a[0]) / (b[1] - a[1])
            if p[0] < cross_x:
                inside = not inside
    nearest = min(_segment_distance(p, a, b) for a, b in edges)
    return -nearest if inside else nearest
