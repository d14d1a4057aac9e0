"""factory-boy factories shared by every test module.

App-specific factories live beside their tests (``tests/<app>/factories.py``).
"""

import datetime as dt

import factory
from django.utils import timezone

from accounts.models import Location, Organization, Region, Role, User
from audits.models import Assignment
from checklists.models import Channel, Checklist, ChecklistVersion


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
