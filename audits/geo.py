"""Great-circle distance, pure: used to flag visits made away from their location."""

import math

EARTH_RADIUS_M = 6_371_008.8  # mean Earth radius (IUGG)


def distance_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Haversine distance in metres between two WGS84 points given in degrees."""
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    d_phi = phi2 - phi1
    d_lambda = math.radians(lon2 - lon1)
    a = math.sin(d_phi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(d_lambda / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(a)))


def is_off_site(
    *,
    latitude: float | None,
    longitude: float | None,
    site_lat: float | None,
    site_lon: float | None,
    radius_m: float,
) -> bool:
    """True when a position is known, the site has coordinates, and they are more than ``radius_m`` apart."""
    if latitude is None or longitude is None or site_lat is None or site_lon is None:
        return False
    return distance_m(latitude, longitude, site_lat, site_lon) > radius_m
