"""Report rounding is exact half up, whatever order a database sums floats in."""

from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

from hypothesis import given
from hypothesis import strategies as st

from reports.csv_export import neutralize
from reports.selectors import rate, round_figure

# Visit scores as stored: two decimals between 0 and 100.
scores = st.lists(
    st.integers(min_value=0, max_value=10_000).map(lambda cents: cents / 100), min_size=1, max_size=60
)


def exact_half_up(value: Fraction) -> float:
    return float(
        (Decimal(value.numerator) / Decimal(value.denominator)).quantize(Decimal("0.01"), ROUND_HALF_UP)
    )


@given(scores, st.randoms())
def test_mean_of_stored_scores_rounds_like_exact_arithmetic_in_any_summation_order(values, rnd):
    shuffled = list(values)
    rnd.shuffle(shuffled)
    exact = sum(Fraction(str(v)) for v in values) / len(values)

    assert round_figure(sum(values) / len(values)) == exact_half_up(exact)
    assert round_figure(sum(shuffled) / len(shuffled)) == exact_half_up(exact)


@given(st.integers(min_value=0, max_value=500), st.integers(min_value=1, max_value=500))
def test_rates_are_exact_percentages_half_up(part, extra):
    whole = part + extra
    assert rate(part, whole) == exact_half_up(Fraction(part * 100, whole))


def test_half_cents_round_up_not_to_even():
    assert round_figure(81.255) == 81.26
    assert round_figure(0.125 * 100) == 12.5
    assert round_figure(None) is None
    assert rate(1, 8) == 12.5 and rate(1, 3) == 33.33 and rate(2, 3) == 66.67


@given(st.text())
def test_neutralized_cells_never_start_with_a_formula_character(text):
    assert not neutralize(text).startswith(("=", "+", "-", "@", "\t", "\r"))
    assert neutralize(text).removeprefix("'") == text or neutralize(text) == text
