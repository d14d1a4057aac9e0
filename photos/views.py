"""HTTP for photos: upload and list a visit's photos, and serve signed local file links."""

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.http import FileResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import exceptions, status
from rest_framework.generics import GenericAPIView
from rest_framework.negotiation import BaseContentNegotiation
from rest_framework.parsers import MultiPartParser
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.serializers import Serializer
from rest_framework.views import APIView

from accounts.authentication import caller_of
from core.exceptions import StorageUnavailable, error_response, error_responses
from core.pagination import DefaultPagination
from core.permissions import EVERYONE
from core.roles import Role

from . import storage
from .models import Photo
from .selectors import link_target_or_404, photos_of_visit, visit_for_photos
from .serializers import PhotoSerializer, PhotoUploadSerializer
from .services import PhotoAddResult, UnsupportedMedia, photo_add
from .uploads import CappedUploadHandler, check_declared_length, spool_unsized_body, too_large

UPLOADERS = frozenset({Role.ADMIN, Role.AUDITOR, Role.STAFF})


class PhotoPagination(DefaultPagination):
    ordering = ("created_at", "id")


_upload_example = OpenApiExample(
    "A storefront photo",
    value={"id": "0b8f4a52-3c1e-4d4b-9a57-5f7d0c1e2a90", "item": "storefront", "image": "(binary JPEG)"},
    request_only=True,
    media_type="multipart/form-data",
)


def upload_responses(serializer: type[Serializer[Any]], *, conflict: str) -> dict[int, Any]:
    """The documented answers of a photo upload (visit photos, dispute or action evidence); ``conflict``
    says what a 409 means there."""
    return {
        201: serializer,
        200: OpenApiResponse(serializer, description="The same id again: the stored photo."),
        **error_responses(400, 401, 403, 404, 429),
        409: error_response(conflict),
        411: error_response("A chunked body through a server that cannot decode it: send a Content-Length."),
        413: error_response("The photo is larger than 20 MiB."),
        415: error_response("Not multipart, or the file is not a JPEG, PNG, WebP or HEIC/HEIF picture."),
        503: error_response("Photo storage is unavailable; retry the same upload later (`Retry-After`)."),
    }


@extend_schema(tags=["photos"])
class VisitPhotosView(GenericAPIView):
    """``/visits/{id}/photos/``: photo evidence of one visit."""

    role_map = {"GET": EVERYONE, "HEAD": EVERYONE, "OPTIONS": EVERYONE, "POST": UPLOADERS}
    parser_classes = [MultiPartParser]
    serializer_class = PhotoSerializer
    pagination_class = PhotoPagination
    queryset = Photo.objects.none()

    def initialize_request(self, request, *args, **kwargs):
        # Installed before anything parses the body, so an oversized file is cut off mid-stream.
        if request.method == "POST":
            request.upload_handlers.insert(
                0, CappedUploadHandler(request, limit=settings.PHOTO_MAX_UPLOAD_BYTES)
            )
        return super().initialize_request(request, *args, **kwargs)

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        if request.method == "POST":
            spool_unsized_body(request._request, settings.PHOTO_MAX_UPLOAD_BYTES)
            check_declared_length(request.META, settings.PHOTO_MAX_UPLOAD_BYTES)

    @extend_schema(
        summary="List a visit's photos (links expire within 15 minutes)",
        responses={200: PhotoSerializer(many=True), **error_responses(401, 403, 404, 429)},
    )
    def get(self, request, visit_id):
        visit = visit_for_photos(caller_of(request), visit_id)
        page = self.paginate_queryset(photos_of_visit(visit))
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    @extend_schema(
        summary="Add a photo to a visit (multipart; retry-safe on its id)",
        description=(
            "Multipart fields: `id` (uuid made by the phone), `item` (checklist item key, or empty) and "
            "`image`. The type is judged by content: JPEG, PNG, WebP, HEIC/HEIF. The stored photo is "
            "upright, re-encoded as JPEG without any metadata; `taken_at` comes from EXIF. The same `id` "
            "again answers 200 with the stored photo; the same `id` on another visit is 409. Allowed to "
            "the visit's submitter (auditor or staff) and admins, while the visit is `submitted` or "
            "`returned`."
        ),
        request={"multipart/form-data": PhotoUploadSerializer},
        responses=upload_responses(
            PhotoSerializer,
            conflict="The id belongs to another visit, the visit is closed, or the item's photo.max is reached.",
        ),
        examples=[_upload_example],
    )
    def post(self, request, visit_id):
        visit = visit_for_photos(caller_of(request), visit_id)
        return self.upload(
            request, lambda **picture: photo_add(actor=caller_of(request), visit=visit, **picture)
        )

    def upload(self, request, add: Callable[..., PhotoAddResult]) -> Response:
        """Parse the multipart body, hand its picture to ``add`` (a service), render what it stored.

        ``add`` takes ``photo_id``, ``item_key`` and ``image``; subclasses that attach pictures to
        something else (dispute evidence) reuse the parsing, limits and answers by passing theirs.
        """
        try:
            data = request.data
        except RequestDataTooBig:
            raise too_large(settings.PHOTO_MAX_UPLOAD_BYTES)
        except (TooManyFieldsSent, TooManyFilesSent):
            raise exceptions.ParseError("Too many multipart fields.")
        body = PhotoUploadSerializer(data=data)
        body.is_valid(raise_exception=True)
        try:
            result = add(
                photo_id=body.validated_data["id"],
                item_key=body.validated_data["item"],
                image=body.validated_data["image"],
            )
        except UnsupportedMedia as exc:
            raise exceptions.UnsupportedMediaType(media_type="image", detail=exc.message)
        return Response(
            self.get_serializer(result.photo).data,
            status=status.HTTP_201_CREATED if result.created else status.HTTP_200_OK,
        )


class AnyContentNegotiation(BaseContentNegotiation):
    """An ``<img>`` asks for ``image/*``: the file is served whatever Accept says; errors are JSON."""

    def select_parser(self, request, parsers):
        return parsers[0] if parsers else None

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type


@extend_schema(
    tags=["photos"],
    summary="Download a photo through a signed, expiring link (local storage)",
    description=(
        "The `url` and `thumbnail_url` of a photo point here when photos are stored on local disk. "
        "The link carries its own authorization (`exp`, `sig`); a tampered link is 404, an expired one 403."
    ),
    auth=[],
    parameters=[
        OpenApiParameter("variant", str, enum=list(storage.VARIANTS), required=True),
        OpenApiParameter("exp", int, required=True, description="Unix time the link expires at."),
        OpenApiParameter("sig", str, required=True, description="Signature of photo id, variant and exp."),
    ],
    responses={
        (200, "image/jpeg"): OpenApiResponse(OpenApiTypes.BINARY, description="The JPEG."),
        403: error_response("The link has expired."),
        404: error_response("No such photo, or the signature does not match."),
        503: error_response("Photo storage is unavailable."),
    },
)
class PhotoFileView(APIView):
    authentication_classes: list = []
    permission_classes = [AllowAny]
    # The signature is the authorization; a reviewer's page loads dozens of thumbnails at once.
    throttle_classes: list = []
    content_negotiation_class = AnyContentNegotiation

    def get(self, request, pk):
        variant = request.query_params.get("variant", "")
        verdict = storage.link_check(
            pk, variant, request.query_params.get("exp", ""), request.query_params.get("sig", "")
        )
        if verdict == "invalid":
            raise exceptions.NotFound()
        if verdict == "expired":
            raise exceptions.PermissionDenied("This link has expired; list the photos again for a fresh one.")
        photo, name = link_target_or_404(pk, variant)
        try:
            handle = storage.default_storage.open(name, "rb")
        except FileNotFoundError:
            raise exceptions.NotFound()
        except storage.STORAGE_ERRORS as exc:
            raise StorageUnavailable(str(exc)) from exc
        response = FileResponse(handle, content_type="image/jpeg")
        response["Content-Disposition"] = f'inline; filename="{photo.pk}-{variant}.jpg"'
        response["Cache-Control"] = "private, max-age=300"
        response["X-Content-Type-Options"] = "nosniff"
        return response
