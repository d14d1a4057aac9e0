"""Upload size guard: a photo request over the cap is refused before its body is read into memory.

Two layers: ``check_declared_length`` refuses a request whose ``Content-Length`` already says it is
too big (nothing is read), and ``CappedUploadHandler`` stops a multipart stream as soon as a file
part passes the cap (for bodies that under-declare, or a file exactly over the line).
"""

from django.core.files.uploadhandler import FileUploadHandler

from core.exceptions import PayloadTooLarge

# Multipart framing (boundaries, part headers, the ``id`` and ``item`` fields) on top of the image.
MULTIPART_OVERHEAD_BYTES = 64 * 1024


def too_large(limit: int) -> PayloadTooLarge:
    return PayloadTooLarge(detail=f"Photos may be at most {limit // (1024 * 1024)} MiB.", code="too_large")


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
