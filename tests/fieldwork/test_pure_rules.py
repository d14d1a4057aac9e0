"""The pure rules of fieldwork: the rating formula, great-circle distance and its bounding box,
money as decimal strings, and which rule refuses a claim."""

import math
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.money import MoneyError, money_parse, money_text
from fieldwork.eligibility import ClaimFacts, claim_refusal
from fieldwork.geo import bounding_box, distance_km
from fieldwork.rating import DecidedVisit, rating, visit_points

visits = st.builds(
    DecidedVisit, approved=st.booleans(), returned=st.booleans(), upheld_items=st.integers(0, 8)
)


# --- rating -----------------------------------------------------------------------------------


def test_the_contracts_examples():
    assert rating([]) == Decimal("5.0")  # no decided visit: the prior, 15 / 3
    assert rating([DecidedVisit(approved=True, returned=False)]) == Decimal("6.3")  # 25 / 4 = 6.25 half up
    assert rating([DecidedVisit(approved=True, returned=True)]) == Decimal("5.5")  # 22 / 4
    assert rating([DecidedVisit(approved=False, returned=False)]) == Decimal("3.8")  # 15 / 4 = 3.75 half up
    assert visit_points(DecidedVisit(approved=True, returned=False, upheld_items=2)) == 6
    assert visit_points(DecidedVisit(approved=True, returned=True, upheld_items=4)) == 0  # never below 0
    assert rating([DecidedVisit(approved=True, returned=False)] * 20) == Decimal("9.3")  # 215 / 23


@given(st.lists(visits, max_size=40))
def test_rating_stays_between_0_and_10_with_one_decimal(history):
    value = rating(history)
    assert Decimal(0) <= value <= Decimal(10)
    assert value == value.quantize(Decimal("0.1"))


@given(st.lists(visits, min_size=1, max_size=25), st.data())
def test_rating_is_monotone_in_each_visits_points(history, data):
    index = data.draw(st.integers(0, len(history) - 1))
    worse = history[index]
    better = DecidedVisit(approved=True, returned=False, upheld_items=max(0, worse.upheld_items - 1))
    assert visit_points(better) >= visit_points(worse)
    improved = [*history[:index], better, *history[index + 1 :]]
    assert rating(improved) >= rating(history)


@given(st.lists(visits, min_size=20, max_size=30), st.lists(visits, min_size=1, max_size=10))
def test_only_the_latest_20_visits_count(latest, older):
    assert rating(latest + older) == rating(latest[:20])


# --- distance and bounding box ----------------------------------------------------------------

latitudes = st.floats(-89.9, 89.9)
longitudes = st.floats(-180, 180)


@given(latitudes, longitudes, st.floats(0.1, 500), st.floats(0, 1), st.floats(0, 360))
def test_every_point_within_the_radius_lies_in_the_box(lat, lon, radius, fraction, bearing):

    # The point at ``fraction * radius`` km from (lat, lon) along ``bearing``.
    angular = fraction * radius / 6371.0088
    phi1, lam1, theta = math.radians(lat), math.radians(lon), math.radians(bearing)
    phi2 = math.asin(
        math.sin(phi1) * math.cos(angular) + math.cos(phi1) * math.sin(angular) * math.cos(theta)
    )
    lam2 = lam1 + math.atan2(
        math.sin(theta) * math.sin(angular) * math.cos(phi1),
        math.cos(angular) - math.sin(phi1) * math.sin(phi2),
    )
    lat2, lon2 = math.degrees(phi2), (math.degrees(lam2) + 540) % 360 - 180
    assert distance_km(lat, lon, lat2, lon2) <= radius + 1e-6
    box = bounding_box(lat, lon, radius)
    assert box.min_lat <= lat2 <= box.max_lat
    if box.wraps:
        assert lon2 >= box.min_lon or lon2 <= box.max_lon
    else:
        assert box.min_lon <= lon2 <= box.max_lon


@given(latitudes, longitudes, latitudes, longitudes)
def test_distance_is_symmetric_and_bounded(lat1, lon1, lat2, lon2):
    there = distance_km(lat1, lon1, lat2, lon2)
    assert there == pytest.approx(distance_km(lat2, lon2, lat1, lon1), abs=1e-9)
    assert 0 <= there <= 20_016  # half the Earth's circumference


def test_a_known_distance():
    # Amsterdam to Utrecht, about 35 km as the crow flies.
    assert distance_km(52.3676, 4.9041, 52.0907, 5.1214) == pytest.approx(34.4, abs=0.5)


# --- money ------------------------------------------------------------------------------------


@given(st.decimals(min_value=0, max_value=Decimal("9999999999.99"), places=2))
def test_money_round_trips_exactly(value):
    assert money_parse(str(value)) == value
    assert money_text(money_parse(str(value))) == str(value.quantize(Decimal("0.01")))


def test_sums_are_exact():
    # 0.1 + 0.2 is 0.30000000000000004 in floats: never here.
    assert money_text(money_parse("0.1") + money_parse("0.2")) == "0.30"


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        (0.3, "invalid"),
        (3, "invalid"),
        (True, "invalid"),
        ("1e3", "invalid"),
        ("NaN", "invalid"),
        (" 1", "invalid"),
        ("-1.00", "min_value"),
        ("0.001", "max_decimal_places"),
        ("10000000000", "max_value"),
    ],
)
def test_money_refuses_what_is_not_an_amount(raw, code):
    with pytest.raises(MoneyError) as refused:
        money_parse(raw)
    assert refused.value.code == code


# --- claim rules ------------------------------------------------------------------------------

ELIGIBLE = ClaimFacts(
    has_home=True,
    distance_km=5.0,
    travel_radius_km=10,
    rating=Decimal("6.0"),
    min_rating=Decimal("6.0"),
    missing_qualification=False,
    locked_out=False,
    claims_today=2,
    daily_claim_cap=3,
)


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"has_home": False, "distance_km": None}, "no_home"),
        ({"distance_km": 10.01}, "too_far"),
        ({"rating": Decimal("5.9")}, "rating_too_low"),
        ({"missing_qualification": True}, "missing_qualification"),
        ({"locked_out": True}, "lockout"),
        ({"claims_today": 3}, "daily_cap"),
    ],
)
def test_each_rule_refuses_with_its_code(change, code):
    assert claim_refusal(ELIGIBLE) is None
    assert claim_refusal(ClaimFacts(**{**ELIGIBLE.__dict__, **change})) == code
