"""Krippendorff's alpha through ``calibrations.agreement``, proved on published worked examples.

Krippendorff, K. (2011). "Computing Krippendorff's Alpha-Reliability", Annenberg School for
Communication, University of Pennsylvania (https://repository.upenn.edu/asc_papers/43), section C,
"Nominal data, any number of observers, missing data": 4 observers, 12 units, with missing values.
The paper gives alpha = 0.743 for nominal data; the same reliability data at the ordinal and
interval levels give 0.815 and 0.849 (section E, and the values published with the ``krippendorff``
package's own tests). The example with 2 observers and no missing data (section A) gives 0.095.
"""

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from calibrations import agreement

N = None
#: Krippendorff (2011), section C: observers (rows) by units (columns), None for a missing value.
EXAMPLE_C = [
    [1, 2, 3, 3, 2, 1, 4, 1, 2, N, N, N],
    [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, N, 3],
    [N, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, N],
    [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, N],
]
#: Krippendorff (2011), section A: binary data, two observers, no missing data.
EXAMPLE_A = [
    [0, 1, 0, 0, 0, 0, 0, 0, 1, 0],
    [1, 1, 1, 0, 0, 1, 0, 0, 0, 0],
]


@pytest.mark.parametrize(
    ("level", "published"), [("nominal", 0.743), ("ordinal", 0.815), ("interval", 0.849)]
)
def test_krippendorffs_example_with_missing_values(level, published):
    assert round(agreement.alpha(EXAMPLE_C, level), 3) == published


def test_krippendorffs_binary_example():
    assert round(agreement.alpha(EXAMPLE_A, "nominal"), 3) == 0.095


def test_missing_values_are_not_zeros():
    with_zero = [row[:] for row in EXAMPLE_C]
    with_zero[0][9] = 0
    assert round(agreement.alpha(with_zero, "interval"), 3) != 0.849


@pytest.mark.parametrize(
    "data",
    [
        [[1, N, N], [N, 2, N]],  # no unit has two values: nothing pairable
        [[1, 1, 1], [1, 1, 1]],  # no variation at all
        [[0.5, 0.5], [0.5, N]],
        [[]],
    ],
)
def test_alpha_is_none_where_undefined(data):
    assert agreement.alpha(data, "interval") is None


@given(
    st.lists(
        st.lists(st.one_of(st.none(), st.integers(min_value=0, max_value=4)), min_size=5, max_size=5),
        min_size=2,
        max_size=5,
    ),
    st.sampled_from(["nominal", "ordinal", "interval"]),
)
def test_alpha_is_a_finite_number_at_most_one_or_none(data, level):
    value = agreement.alpha(data, level)
    assert value is None or (math.isfinite(value) and value <= 1.0)


@given(st.lists(st.integers(min_value=0, max_value=4), min_size=2, max_size=8), st.integers(2, 5))
def test_perfect_agreement_is_one_when_values_vary(units, coders):
    data = [list(units) for _ in range(coders)]
    value = agreement.alpha(data, "interval")
    assert value == (1.0 if len(set(units)) > 1 else None)


def test_percent_agreement_counts_units_answered_by_all():
    agreements = [agreement.all_agree(u) for u in ([1, 1], [1, 0], [1, N], [0, 0])]
    assert agreements == [True, False, None, True]
    assert agreement.percent_agreement(agreements) == pytest.approx(200 / 3)
    assert agreement.percent_agreement([None]) is None


def test_distance_from_consensus_against_the_others_median():
    assert agreement.distance_from_consensus([1, 0, N], [[0, 0, 1], [0, 1, 1], [1, N, 1]]) == pytest.approx(
        0.75
    )  # |1-0|, |0-0.5|
    assert agreement.distance_from_consensus([N, N], [[1, 1]]) is None
