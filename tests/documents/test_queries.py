"""A report costs the same queries whatever the number of answers or photos."""

import pytest

from tests.factories import ChecklistFactory

from .conftest import add_photo, decide_a_dispute, page_count, report_url, submit
from .factories import forty_answers, forty_sections

pytestmark = pytest.mark.django_db


def test_five_or_forty_answers_cost_the_same_queries(
    client_for, org, location, manager, auditor, django_assert_num_queries
):
    small = submit(
        location, ChecklistFactory(organization=org, sections=forty_sections(5)), auditor, forty_answers(5)
    )
    large = submit(
        location, ChecklistFactory(organization=org, sections=forty_sections()), auditor, forty_answers()
    )
    for seed in range(6):
        add_photo(large, auditor, item="storefront" if seed < 3 else "", seed=seed + 1)
    client = client_for(manager)
    # The caller, the visit (with location, region, checklist, version, auditor), its answers, its
    # photos, its disputes (none), its latest review.
    with django_assert_num_queries(6):
        assert client.get(report_url(small)).status_code == 200
    with django_assert_num_queries(6):
        response = client.get(report_url(large))
    assert page_count(response.content) > 1


def test_disputes_add_one_query_for_all_their_items(
    client_for, manager, staff, visit, django_assert_num_queries
):
    decide_a_dispute(visit, staff, manager)
    with django_assert_num_queries(7):  # the disputes' items, all at once
        assert client_for(manager).get(report_url(visit)).status_code == 200
