"""Upload size guard: a photo request over the cap is refused before its body is read into memory.

Three layers: ``check_declared_length`` refuses a request whose ``Content-Length`` already says it
is too big (nothing is read), ``CappedUploadHandler`` stops a multipart stream as soon as a file
part passes the cap (for bodies that under-declare, or a file exactly over the line), and
``spool_unsized_body`` takes a chunked body (``Transfer-Encoding: chunked``, no ``Content-Length``)
by reading it into a spooled file, counting as it goes and stopping past the cap.
"""

import tempfile

from django.conf import settings
from django.core.files.uploadhandler import FileUploadHandler
from django.core.handlers.wsgi import LimitedStream
from rest_framework import exceptions, status

from core.exceptions import PayloadTooLarge

# Multipart framing (boundaries, part headers, the ``id`` and ``item`` fields) on top of the image.
MULTIPART_OVERHEAD_BYTES = 64 * 1024


def too_large(limit: int) -> PayloadTooLarge:
    return PayloadTooLarge(detail=f"Photos may be at most {limit // (1024 * 1024)} MiB.", code="too_large")


class LengthRequired(exceptions.APIException):
    status_code = status.HTTP_411_LENGTH_REQUIRED
    default_detail = "Send a Content-Length, or a chunked body through a server that decodes it."
    default_code = "length_required"


SPOOL_CHUNK_BYTES = 64 * 1024


def spool_unsized_body(request, limit: int) -> None:
    """Give a chunked body (no ``Content-Length``) a length, so that it is parsed instead of read as empty.

    Django reads ``Content-Length`` bytes, none without it. A WSGI server that decodes chunked
    bodies says so with ``wsgi.input_terminated`` (gunicorn does): its input ends with the body, so
    it is read here into a spooled file (memory up to ``FILE_UPLOAD_MAX_MEMORY_SIZE``, then disk),
    stopping with a 413 as soon as it passes the cap. Without that promise the body cannot be
    read safely: 411.
    """
    meta = request.META
    if meta.get("CONTENT_LENGTH") or "chunked" not in meta.get("HTTP_TRANSFER_ENCODING", "").lower():
        return
    if not meta.get("wsgi.input_terminated"):
        raise LengthRequired()
    cap = limit + MULTIPART_OVERHEAD_BYTES
    spool = tempfile.SpooledTemporaryFile(max_size=settings.FILE_UPLOAD_MAX_MEMORY_SIZE)
    size = 0
    source = meta["wsgi.input"]
    while chunk := source.read(SPOOL_CHUNK_BYTES):
        size += len(chunk)
        if size > cap:
            spool.close()
            raise too_large(limit)
        spool.write(chunk)
    spool.seek(0)
    meta["CONTENT_LENGTH"] = str(size)
    # LimitedStream reads any binary file; the stubs name only BytesIO.
    request._stream = LimitedStream(spool, size)  # type: ignore[arg-type]
    request._spooled_body = spool  # kept alive (and freed) with the request
    request._read_started = False


def check_declared_length(meta, limit: int) -> None:
    try:
        declared = int(meta.get("CONTENT_LENGTH") or 0)
    except (TypeError, ValueError):
        declared = 0
    if declared > limit + MULTIPART_OVERHEAD_BYTES:
        raise too_large(limit)


class CappedUploadHandler(FileUploadHandler):
    """First in the handler chain: passes chunks on, and aborts the parse once a file exceeds ``limit``."""

    def __init__(self, request=None, *, limit: int):
        super().__init__(request)
        self.limit = limit

    def receive_data_chunk(self, raw_data, start):
        if start + len(raw_data) > self.limit:
            raise too_large(self.limit)
        return raw_data

    def file_complete(self, file_size):
        return None
