"""Expenses, receipts and payouts: decimal money end to end, made on approval, paid idempotently."""

import csv
import io
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from accounts.models import Role
from audits.models import Visit
from fieldwork.models import Payout
from photos.models import Photo
from tests.factories import PhotoFactory, UserFactory, VisitFactory
from tests.photos.images import jpeg
from webhooks.models import Event

from .conftest import visit_body


@pytest.fixture
def paid_job(make_job, shopper):
    return make_job(auditor=shopper, fee=Decimal("0.10"), expense_cap=Decimal("5.00"))


def submit(client, job, **extra):
    return client.post("/api/v1/visits/", visit_body(job, **extra), format="json")


def approve(client, visit_id):
    return client.post(f"/api/v1/visits/{visit_id}/review/", {"decision": "approve"}, format="json")


def test_a_job_visit_declares_expenses_within_the_cap(client_for, shopper, paid_job):
    response = submit(client_for(shopper), paid_job, expenses={"amount": "0.2", "note": "Coffee"})
    assert response.status_code == 201, response.json()
    assert response.json()["expenses"] == {"amount": "0.20", "note": "Coffee"}


@pytest.mark.parametrize(
    ("expenses", "attr", "code"),
    [
        ({"amount": "5.01"}, "expenses.amount", "max_value"),
        ({"amount": "-0.50"}, "expenses.amount", "min_value"),
        ({"amount": "0.005"}, "expenses.amount", "max_decimal_places"),
        ({"amount": 0.3}, "expenses.amount", "invalid"),
        ({"note": "No amount"}, "expenses.amount", "required"),
        ({"amount": "1.00", "currency": "USD"}, "expenses.currency", "currency_mismatch"),
        ({"amount": "1.00", "tip": "1"}, "expenses.tip", "unknown_field"),
        ("1.00", "expenses", "invalid"),
    ],
)
def test_bad_expenses_are_a_400_and_nothing_is_stored(client_for, shopper, paid_job, expenses, attr, code):
    response = submit(client_for(shopper), paid_job, expenses=expenses)
    assert response.status_code == 400
    assert (attr, code) in [(e["attr"], e["code"]) for e in response.json()["errors"]]
    assert not Visit.objects.exists()


def test_expenses_on_an_assignment_without_a_cap_are_refused(client_for, shopper, make_job):
    job = make_job(auditor=shopper)
    response = submit(client_for(shopper), job, expenses={"amount": "1.00"})
    assert response.status_code == 400
    assert [(e["attr"], e["code"]) for e in response.json()["errors"]] == [("expenses", "not_allowed")]


def test_approval_without_a_receipt_is_409_and_changes_nothing(client_for, shopper, admin, paid_job):
    visit_id = submit(client_for(shopper), paid_job, expenses={"amount": "0.20"}).json()["id"]
    response = approve(client_for(admin), visit_id)
    assert (response.status_code, response.json()["errors"][0]["code"]) == (409, "receipt_missing")
    assert Visit.objects.get(pk=visit_id).status == "submitted"
    assert not Payout.objects.exists()


def test_approval_pays_fee_plus_expenses_exactly(client_for, shopper, admin, paid_job, org):
    visit_id = submit(client_for(shopper), paid_job, expenses={"amount": "0.2"}).json()["id"]
    PhotoFactory(visit=Visit.objects.get(pk=visit_id), item_key="receipt")
    assert approve(client_for(admin), visit_id).status_code == 200
    payout = client_for(admin).get("/api/v1/payouts/").json()["results"][0]
    assert (payout["fee"], payout["expenses"], payout["total"]) == ("0.10", "0.20", "0.30")
    assert (payout["status"], payout["currency"], payout["auditor"]) == ("pending", org.currency, shopper.pk)
    assert (payout["visit"], payout["paid_at"], payout["reference"]) == (visit_id, None, "")
    assert Payout.objects.get().total == Decimal("0.30")
    assert Event.objects.filter(type="payout.created").count() == 1


def test_an_unpaid_assignment_makes_no_payout(client_for, shopper, admin, make_job):
    visit_id = submit(client_for(shopper), make_job(auditor=shopper)).json()["id"]
    assert approve(client_for(admin), visit_id).status_code == 200
    assert not Payout.objects.exists()


def test_a_receipt_photo_is_taken_as_an_item(client_for, shopper, paid_job):
    visit_id = submit(client_for(shopper), paid_job, expenses={"amount": "1.00"}).json()["id"]
    response = client_for(shopper).post(
        f"/api/v1/visits/{visit_id}/photos/",
        {
            "id": "8b0e7c9a-1d2e-4f3a-8b7c-6d5e4f3a2b1c",
            "item": "receipt",
            "image": SimpleUploadedFile("receipt.jpg", jpeg(), content_type="image/jpeg"),
        },
        format="multipart",
    )
    assert response.status_code == 201, response.json()
    assert Photo.objects.get().item_key == "receipt"


@pytest.fixture
def payouts(org, shopper):
    other = UserFactory(organization=org, role=Role.AUDITOR)
    made = []
    for auditor, fee in ((shopper, "10.00"), (shopper, "12.50"), (other, "7.25")):
        visit = VisitFactory(organization=org, auditor=auditor, status="approved")
        made.append(
            Payout.objects.create(
                organization=org,
                auditor=auditor,
                visit=visit,
                fee=Decimal(fee),
                expenses=Decimal("0.00"),
                total=Decimal(fee),
                currency="EUR",
                created_at=visit.started_at,
            )
        )
    return made


def mark_paid(client, ids, reference="BANK-1"):
    return client.post("/api/v1/payouts/mark-paid/", {"ids": ids, "reference": reference}, format="json")


def test_mark_paid_is_idempotent(client_for, admin, payouts):
    ids = [payouts[0].pk, payouts[1].pk]
    first = mark_paid(client_for(admin), ids)
    assert first.status_code == 200, first.json()
    assert {p["status"] for p in first.json()["results"]} == {"paid"}
    again = mark_paid(client_for(admin), ids)
    assert again.json() == first.json()
    other_reference = mark_paid(client_for(admin), [payouts[1].pk, payouts[2].pk], reference="BANK-2")
    assert (other_reference.status_code, other_reference.json()["errors"][0]["code"]) == (409, "already_paid")
    assert Payout.objects.get(pk=payouts[2].pk).status == "pending"  # nothing half-written


def test_mark_paid_refuses_unknown_ids_and_non_admins(client_for, admin, manager, shopper, payouts):
    response = mark_paid(client_for(admin), [payouts[0].pk, 999999])
    assert (response.status_code, response.json()["errors"][0]["attr"]) == (400, "ids")
    assert Payout.objects.filter(status="paid").count() == 0
    for user in (manager, shopper):
        assert mark_paid(client_for(user), [payouts[0].pk]).status_code == 403


def test_payouts_list_filters_and_scopes(client_for, admin, shopper, manager, payouts):
    mark_paid(client_for(admin), [payouts[0].pk])
    ids = lambda client, **params: [p["id"] for p in client.get("/api/v1/payouts/", params).json()["results"]]  # noqa: E731
    assert ids(client_for(admin)) == [p.pk for p in reversed(payouts)]
    assert ids(client_for(admin), status="pending") == [payouts[2].pk, payouts[1].pk]
    assert ids(client_for(admin), auditor=shopper.pk) == [payouts[1].pk, payouts[0].pk]
    assert ids(client_for(shopper)) == [payouts[1].pk, payouts[0].pk]  # their own only
    assert client_for(manager).get("/api/v1/payouts/").status_code == 403
    assert client_for(admin).get("/api/v1/payouts/", {"status": "lost"}).status_code == 400


def test_payouts_csv(client_for, admin, shopper, payouts):
    response = client_for(admin).get("/api/v1/exports/payouts.csv")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert [(r["id"], r["total"], r["currency"], r["status"]) for r in rows] == [
        (str(p.pk), str(p.total), "EUR", "pending") for p in payouts
    ]
    assert client_for(shopper).get("/api/v1/exports/payouts.csv").status_code == 403
