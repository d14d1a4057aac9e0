"""factory-boy factories shared by every test module, and by the ``bench/`` scripts.

Visits, answers and photos are written straight to the database here (scores are given, not
computed), so a test or a benchmark states exactly the rows it needs; period keys come from
``audits.periods.period_keys`` as the visit writer stores them. ``bench/`` imports this module
too (factory-boy is a dev dependency, like the benches themselves): one way to build rows.
App-specific helpers live beside their tests (``tests/<app>/factories.py``) and build on these.
"""

import datetime as dt

import factory
from django.utils import timezone

from accounts.models import Location, Organization, Region, Role, User
from audits.models import Answer, Assignment, Visit, VisitKind, VisitStatus
from audits.periods import period_keys
from audits.rollups import rollups_apply, visit_contribution
from checklists.models import Channel, Checklist, ChecklistVersion
from photos.models import Photo


class OrganizationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organization
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"Org {n}")


class RegionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Region

    organization = factory.SubFactory(OrganizationFactory)
    code = factory.Sequence(lambda n: f"R{n}")
    name = factory.Sequence(lambda n: f"Region {n}")


class LocationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Location

    region = factory.SubFactory(RegionFactory)
    organization = factory.SelfAttribute("region.organization")
    code = factory.Sequence(lambda n: f"L{n:04d}")
    name = factory.Sequence(lambda n: f"Store {n}")
    address = "1 Main Street"
    latitude = 52.3676
    longitude = 4.9041
    timezone = "Europe/Amsterdam"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    organization = factory.SubFactory(OrganizationFactory)
    username = factory.Sequence(lambda n: f"user{n}")
    display_name = factory.Sequence(lambda n: f"User {n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.com")
    role = Role.AUDITOR
    password = factory.PostGenerationMethodCall("set_password", "correct-horse-battery")

    @factory.post_generation
    def regions(self, create, extracted, **kwargs):
        if create and extracted:
            self.regions.set(extracted)

    @factory.post_generation
    def locations(self, create, extracted, **kwargs):
        if create and extracted:
            self.locations.set(extracted)

    @classmethod
    def _after_postgeneration(cls, instance, create, results=None):
        if create:
            instance.save()


SIMPLE_SECTIONS = [
    {
        "key": "greeting",
        "title": "Greeting",
        "weight": 2,
        "items": [
            {
                "key": "greeted_within_30s",
                "prompt": "Greeted within 30 seconds?",
                "type": "yes_no",
                "weight": 1,
            },
            {
                "key": "smile",
                "prompt": "How warm was the welcome?",
                "type": "scale",
                "scale_min": 1,
                "scale_max": 5,
                "weight": 1,
            },
        ],
    },
    {
        "key": "resolution",
        "title": "Resolution",
        "weight": 1,
        "items": [
            {
                "key": "problem_solved",
                "prompt": "Was the problem solved on first contact?",
                "type": "yes_no",
                "weight": 1,
                "critical": True,
            },
            {"key": "remarks", "prompt": "Anything else?", "type": "text", "weight": 1},
        ],
    },
]


class ChecklistFactory(factory.django.DjangoModelFactory):
    """A checklist with version 1 published from ``SIMPLE_SECTIONS`` (or ``sections=``)."""

    class Meta:
        model = Checklist
        skip_postgeneration_save = True

    organization = factory.SubFactory(OrganizationFactory)
    name = factory.Sequence(lambda n: f"Checklist {n}")
    description = "Walk in your customer's shoes."
    channel = Channel.IN_PERSON
    current_version = 1

    @factory.post_generation
    def sections(self, create, extracted, **kwargs):
        if create:
            ChecklistVersion.objects.create(
                checklist=self,
                number=1,
                pass_threshold=80,
                sections=extracted or SIMPLE_SECTIONS,
                etag=f"v1-{self.pk}",
            )


class AssignmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Assignment

    location = factory.SubFactory(LocationFactory)
    organization = factory.SelfAttribute("location.organization")
    checklist = factory.SubFactory(ChecklistFactory, organization=factory.SelfAttribute("..organization"))
    checklist_version = factory.LazyAttribute(lambda a: a.checklist.versions.order_by("-number").first())
    auditor = factory.SubFactory(
        UserFactory, organization=factory.SelfAttribute("..organization"), role=Role.AUDITOR
    )
    due_from = factory.LazyFunction(lambda: timezone.now() - dt.timedelta(days=1))
    due_until = factory.LazyFunction(lambda: timezone.now() + dt.timedelta(days=6))
    instructions = "Ask about the loyalty card."


class VisitFactory(factory.django.DjangoModelFactory):
    """A stored visit with its period keys; a mystery visit gets an auditor unless given one."""

    class Meta:
        model = Visit

    class Params:
        keys = factory.LazyAttribute(lambda v: period_keys(v.started_at, v.location.timezone))

    location = factory.SubFactory(LocationFactory)
    organization = factory.SelfAttribute("location.organization")
    checklist = factory.SubFactory(ChecklistFactory, organization=factory.SelfAttribute("..organization"))
    checklist_version = factory.LazyAttribute(lambda v: v.checklist.versions.order_by("-number").first())
    kind = VisitKind.MYSTERY
    status = VisitStatus.SUBMITTED
    auditor = factory.Maybe(
        factory.LazyAttribute(lambda v: v.kind == VisitKind.MYSTERY),
        yes_declaration=factory.SubFactory(
            UserFactory, organization=factory.SelfAttribute("..organization"), role=Role.AUDITOR
        ),
        no_declaration=None,
    )
    started_at = factory.LazyFunction(lambda: timezone.now() - dt.timedelta(hours=2))
    ended_at = factory.LazyAttribute(lambda v: v.started_at + dt.timedelta(minutes=20))
    local_date = factory.SelfAttribute("keys.local_date")
    week_start = factory.SelfAttribute("keys.week_start")
    month_start = factory.SelfAttribute("keys.month_start")
    quarter_start = factory.SelfAttribute("keys.quarter_start")

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        """Stored like the services store a visit: its report rollups move with it."""
        visit = super()._create(model_class, *args, **kwargs)
        rollups_apply(before=None, after=visit_contribution(visit, answers=[]))
        return visit


class AnswerFactory(factory.django.DjangoModelFactory):
    """One stored answer; ``score`` is the item score 0..1 (``None``: unscored or N/A)."""

    class Meta:
        model = Answer

    visit = factory.SubFactory(VisitFactory)
    position = factory.Sequence(lambda n: n)
    section_key = "greeting"
    item_key = factory.Sequence(lambda n: f"item_{n}")
    score = 1.0
    value = factory.LazyAttribute(lambda a: None if a.score is None else a.score >= 0.5)
    na = False
    comment = ""

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        answer = super()._create(model_class, *args, **kwargs)
        answers_added(answer.visit_id, [answer])
        return answer


def answers_added(visit_id, answers) -> None:
    """Report rollups after answers were stored directly (not through the services)."""
    visit = Visit.objects.get(pk=visit_id)
    new = {answer.pk for answer in answers}
    others = [answer for answer in Answer.objects.filter(visit_id=visit_id) if answer.pk not in new]
    rollups_apply(before=visit_contribution(visit, answers=others), after=visit_contribution(visit))


class PhotoFactory(factory.django.DjangoModelFactory):
    """A photo row (no stored objects: pass ``image``/``thumbnail`` names of saved ones if needed)."""

    class Meta:
        model = Photo

    visit = factory.SubFactory(VisitFactory)
    organization = factory.SelfAttribute("visit.organization")
    item_key = ""
    width = 640
    height = 480
    image = factory.Sequence(lambda n: f"photos/test-{n}.jpg")
    thumbnail = factory.Sequence(lambda n: f"photos/test-{n}_thumb.jpg")
    content_hash = "0" * 64
    phash = 0
