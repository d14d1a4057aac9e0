"""Distances for the job board: great-circle km and the bounding box that narrows the search. Pure.

The board filters on a latitude/longitude box first (indexed columns), then on the exact
great-circle distance, both in SQL (``fieldwork.selectors``); these are the same rules in Python,
for claims and tests.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from audits.geo import EARTH_RADIUS_M, distance_m

EARTH_RADIUS_KM = EARTH_RADIUS_M / 1000


def distance_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle (haversine) distance in km between two WGS84 points in degrees."""
    return distance_m(lat1, lon1, lat2, lon2) / 1000


@dataclass(frozen=True)
class Box:
    min_lat: float
    max_lat: float
    min_lon: float
    max_lon: float

    @property
    def wraps(self) -> bool:
        """The box crosses the antimeridian: longitudes from ``min_lon`` to 180 and -180 to ``max_lon``."""
        return self.min_lon > self.max_lon


def bounding_box(lat: float, lon: float, radius_km: float) -> Box:
    """A box holding every point within ``radius_km`` of (lat, lon) (a little margin for rounding)."""
    angle = math.degrees(radius_km / EARTH_RADIUS_KM) * 1.0001 + 1e-9
    min_lat, max_lat = lat - angle, lat + angle
    if min_lat <= -90 or max_lat >= 90:
        # A pole is within reach: every longitude is.
        return Box(max(min_lat, -90.0), min(max_lat, 90.0), -180.0, 180.0)
    # The widest longitude span is at the latitude nearest a pole among those in the box.
    half_lon = math.degrees(math.asin(min(1.0, math.sin(math.radians(angle)) / math.cos(math.radians(lat)))))
    half_lon = half_lon * 1.0001 + 1e-9
    if half_lon >= 180:
        return Box(min_lat, max_lat, -180.0, 180.0)
    min_lon, max_lon = lon - half_lon, lon + half_lon
    if min_lon < -180:
        min_lon += 360
    if max_lon > 180:
        max_lon -= 360
    return Box(min_lat, max_lat, min_lon, max_lon)
