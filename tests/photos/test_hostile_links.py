"""A photo link whose ``exp`` has thousands of digits is an invalid link, not a 500.

``int()`` refuses strings of 4,300 digits and more (ValueError); non-ASCII digits are no Unix time.
"""

import uuid

import pytest

from photos.storage import link_check


@pytest.mark.parametrize("expires", ["9" * 5000, "١٢٣", "１２３", "9" * 13])
def test_an_exp_that_is_no_unix_time_is_an_invalid_link(expires):
    assert link_check(uuid.uuid4(), "display", expires, "signature") == "invalid"
