"""``core.orm``: the one helper that writes Django's private ORM state, pinned against upgrades."""

from accounts.models import Location, Region
from audits.models import Answer
from core.orm import mark_saved, prefetched_set
from tests.factories import AnswerFactory, LocationFactory, VisitFactory


def test_a_primed_relation_is_read_without_a_query(region, django_assert_num_queries):
    held = LocationFactory(region=region)
    region = Region.objects.get(pk=region.pk)

    prefetched_set(region, "locations", [held])

    with django_assert_num_queries(0):
        assert list(region.locations.all()) == [held]
        assert region.locations.count() == 1


def test_rows_marked_saved_look_loaded_from_that_database(org):
    rows = [Location(organization=org, code="X", name="X")]
    assert rows[0]._state.adding

    mark_saved(rows, "default")

    assert not rows[0]._state.adding and rows[0]._state.db == "default"


def test_bulk_insert_stores_answers_in_one_statement_on_every_database(db, django_assert_num_queries):
    visit = VisitFactory()
    rows = [
        AnswerFactory.build(visit=visit, position=0, item_key="a", value=None, na=True, score=None),
        AnswerFactory.build(visit=visit, position=1, item_key="b", value={"x": [1, "é"]}, score=0.25),
        AnswerFactory.build(visit=visit, position=2, item_key="c", value=7.5, comment="ok", score=1.0),
    ]

    with django_assert_num_queries(1):
        stored = Answer.objects.bulk_insert(rows)

    assert stored == rows and all(not row._state.adding for row in rows)
    assert list(
        Answer.objects.filter(visit=visit).values_list(
            "position", "item_key", "value", "na", "comment", "score"
        )
    ) == [
        (0, "a", None, True, "", None),
        (1, "b", {"x": [1, "é"]}, False, "", 0.25),
        (2, "c", 7.5, False, "ok", 1.0),
    ]
    assert Answer.objects.filter(visit=visit, value__isnull=True).count() == 1  # JSON null is SQL NULL


def test_bulk_insert_of_nothing_writes_nothing(db, django_assert_num_queries):
    with django_assert_num_queries(0):
        assert Answer.objects.bulk_insert([]) == []
