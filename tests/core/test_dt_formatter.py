"""``dt_formatter`` (the board's rows) writes every instant exactly as ``dt_representation`` does."""

import datetime as dt
import zoneinfo

from django.utils import timezone
from hypothesis import given
from hypothesis import strategies as st

from core.rendering import dt_formatter, dt_representation

ZONES = [dt.UTC, zoneinfo.ZoneInfo("Europe/Amsterdam"), dt.timezone(dt.timedelta(hours=-3, minutes=-30))]


@given(
    st.datetimes(
        min_value=dt.datetime(1, 1, 2), max_value=dt.datetime(9999, 12, 30), timezones=st.sampled_from(ZONES)
    ),
    st.sampled_from(["UTC", "Europe/Amsterdam", "Asia/Kolkata"]),
)
def test_the_formatter_writes_what_dt_representation_writes(value, current):
    with timezone.override(current):
        assert dt_formatter()(value) == dt_representation(value)


def test_none_stays_none():
    assert dt_formatter()(None) is None
