"""The report prints the figures the API returns, and times as the location's clock shows them."""

import datetime as dt

from hypothesis import given
from hypothesis import strategies as st

from audits.rendering import rounded
from documents.report import item_score_text, number_text, score_text, visit_time_text


@given(st.floats(min_value=0, max_value=100, allow_nan=False))
def test_a_score_reads_as_the_api_rounds_it(value):
    text = score_text(value)
    assert float(text) == rounded(value, 2)
    assert len(text.split(".")[1]) == 2


@given(st.floats(min_value=0, max_value=1, allow_nan=False))
def test_an_item_score_reads_as_the_api_rounds_it(value):
    assert float(item_score_text(value)) == rounded(value, 4)


def test_nothing_scored_is_a_dash():
    assert score_text(None) == item_score_text(None) == "–"


def test_numbers_read_as_typed():
    assert [number_text(v) for v in (12, 12.0, 2.5, -3)] == ["12", "12", "2.5", "-3"]


def test_a_visit_over_midnight_shows_both_dates_in_local_time():
    # 00:50 CET on the 29th, over the change to summer time at 02:00: 80 minutes end at 03:10 CEST.
    started = dt.datetime(2026, 3, 28, 23, 50, tzinfo=dt.UTC)
    text = visit_time_text(started, started + dt.timedelta(hours=1, minutes=20), "Europe/Paris")
    assert text == "2026-03-29 00:50–03:10 (Europe/Paris, UTC+01:00)"
    late = dt.datetime(2026, 11, 20, 22, 50, tzinfo=dt.UTC)
    text = visit_time_text(late, late + dt.timedelta(minutes=30), "America/New_York")
    assert text == "2026-11-20 17:50–18:20 (America/New_York, UTC-05:00)"
    text = visit_time_text(late, late + dt.timedelta(hours=2), "Asia/Tokyo")
    assert text == "2026-11-21 07:50–09:50 (Asia/Tokyo, UTC+09:00)"
    over = visit_time_text(late, late + dt.timedelta(hours=2), "Europe/London")
    assert over == "2026-11-20 22:50–2026-11-21 00:50 (Europe/London, UTC+00:00)"
