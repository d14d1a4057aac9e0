"""Ratings of auditors whose visits were decided before fieldwork existed (``fieldwork.rating``)."""

from django.db import migrations
from django.db.models import Count, Exists, OuterRef, Subquery

from fieldwork.rating import MAX_VISITS, DecidedVisit, rating

DECIDED = ("approved", "rejected")


def forwards(apps, schema_editor):
    Visit = apps.get_model("audits", "Visit")
    VisitHistory = apps.get_model("audits", "VisitHistory")
    DisputeItem = apps.get_model("disputes", "DisputeItem")
    AuditorProfile = apps.get_model("fieldwork", "AuditorProfile")
    User = apps.get_model("accounts", "User")
    decided = Visit.objects.filter(kind="mystery", status__in=DECIDED, auditor__isnull=False)
    history = VisitHistory.objects.filter(visit=OuterRef("pk"))
    upheld = (
        DisputeItem.objects.filter(visit=OuterRef("pk"), decision="upheld")
        .order_by()
        .values("visit")
        .annotate(n=Count("id"))
        .values("n")
    )
    for auditor_id in decided.order_by().values_list("auditor_id", flat=True).distinct():
        rows = (
            decided.filter(auditor_id=auditor_id)
            .annotate(
                decided_at=Subquery(
                    history.filter(action__in=DECIDED).order_by("-at", "-id").values("at")[:1]
                ),
                returned=Exists(history.filter(action="returned")),
                upheld=Subquery(upheld[:1]),
            )
            .order_by("-decided_at", "-started_at")
            .values_list("status", "returned", "upheld")
        )
        latest = [DecidedVisit(s == "approved", bool(r), u or 0) for s, r, u in rows[:MAX_VISITS]]
        user = User.objects.get(pk=auditor_id)
        if user.organization_id is None:
            continue
        AuditorProfile.objects.update_or_create(
            user_id=auditor_id,
            defaults={
                "organization_id": user.organization_id,
                "rating": rating(latest),
                "decided_visits": decided.filter(auditor_id=auditor_id).count(),
            },
        )


class Migration(migrations.Migration):
    dependencies = [
        ("fieldwork", "0001_initial"),
        ("disputes", "0001_disputes_and_items"),
    ]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
