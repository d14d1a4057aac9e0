"""Reads for photos: the visit a caller may attach photos to, a visit's photos, reuse candidates."""

from __future__ import annotations

import uuid
from typing import Any

from django.db.models import Q, QuerySet
from django.http import Http404

from audits.models import HistoryAction, Visit
from audits.selectors import visits_visible_to
from core.principal import Principal
from core.tenancy import get_scoped_or_404

from .imaging import band_neighbours, bands, hamming, to_unsigned64
from .models import Photo

# A ``disputes.Dispute`` or ``actions.Action`` (whose evidence a photo may be). Photos sit below
# both and cannot import them, so their rows are passed through untyped.
EvidenceRow = Any

# Multi-index hashing: the 64-bit hash is cut into 4 bands of 16 bits. If two hashes are within
# distance d, at least one band is within floor(d / 4) of its counterpart (otherwise the total would
# be at least 4 * (floor(d / 4) + 1) > d). Probing each band's index with every value within that
# radius (137 values for d = 10, radius 2) finds every match without scanning the photos.
BAND_COUNT = 4


def visit_for_photos(principal: Principal, visit_id: object) -> Visit:
    """The visit ``visit_id`` if the caller may see it, else 404 (missing and not-yours alike)."""
    qs = visits_visible_to(principal).select_related("checklist_version", "location", "organization")
    return get_scoped_or_404(qs, pk=visit_id)


def photos_of_visit(visit: Visit) -> QuerySet[Photo]:
    """The visit's own photos (dispute evidence is listed with its dispute)."""
    return Photo.objects.filter(visit=visit, dispute__isnull=True)


def photos_of_dispute(dispute: EvidenceRow) -> QuerySet[Photo]:
    return Photo.objects.filter(dispute=dispute)


def photo_by_id(photo_id: object) -> Photo | None:
    try:
        return Photo.objects.filter(pk=uuid.UUID(str(photo_id))).first()
    except ValueError:
        return None


def link_target_or_404(photo_id: object, variant: str) -> tuple[Photo, str]:
    """The photo behind a signed file link and the storage name of the asked variant."""
    photo = photo_by_id(photo_id)
    if photo is None:
        raise Http404
    return photo, (photo.image if variant == "display" else photo.thumbnail)


def photos_of_action(action: EvidenceRow) -> QuerySet[Photo]:
    return Photo.objects.filter(action=action)


def photo_count_for_item(visit: Visit | None, item_key: str, evidence: tuple[str, EvidenceRow] | None) -> int:
    """Photos of the visit for one item, or, with ``evidence`` (``("dispute"|"action", row)``),
    of that row's evidence."""
    if evidence is None:
        return Photo.objects.filter(visit=visit, dispute=None, action=None, item_key=item_key).count()
    field, row = evidence
    return Photo.objects.filter(**{field: row}, item_key=item_key).count()


def visit_submitter_id(visit: Visit) -> int | None:
    """Who submitted the visit: its auditor, else the actor of its first ``submitted`` history entry."""
    if visit.auditor_id:
        return visit.auditor_id
    return (
        visit.history.filter(action=HistoryAction.SUBMITTED)
        .order_by("at", "id")
        .values_list("actor_id", flat=True)
        .first()
    )


def reuse_match_exists(
    *, organization_id: int, exclude_visit_id: uuid.UUID | None, dhash: int, max_distance: int
) -> bool:
    """Whether a photo of another visit in the organization is within ``max_distance`` of ``dhash``.

    Dispute and action evidence is never a candidate: a location's own picture must not flag an
    auditor's. (Evidence itself is checked against the visits' photos.)

    One indexed query (an OR of four ``(organization, band)`` index probes), then the exact
    distance is checked on the few candidates.
    """
    radius = max_distance // BAND_COUNT
    probes = Q()
    for index, band in enumerate(bands(dhash)):
        probes |= Q(**{f"phash_band{index}__in": band_neighbours(band, radius)})
    candidates = Photo.objects.filter(
        probes, organization_id=organization_id, dispute__isnull=True, action__isnull=True
    )
    if exclude_visit_id is not None:
        candidates = candidates.exclude(visit_id=exclude_visit_id)
    hashes = candidates.values_list("phash", flat=True)
    target = to_unsigned64(dhash)
    return any(hamming(target, to_unsigned64(other)) <= max_distance for other in hashes.iterator())
