"""Where photo links point, for the Content Security Policy's ``img-src``.

With S3 storage, photo links are presigned URLs on the store's own host: pages that show photos
(the dashboard) must allow that one origin, and no other.
"""

from urllib.parse import urlsplit


def s3_origin(*, endpoint_url: str | None, bucket: str, region: str, addressing_style: str) -> str:
    """The origin presigned links of ``bucket`` start with (path- or virtual-hosted-style)."""
    if endpoint_url:
        parts = urlsplit(endpoint_url)
        scheme, host = parts.scheme or "https", parts.netloc
    else:
        scheme, host = "https", f"s3.{region}.amazonaws.com"
    if addressing_style == "virtual":
        host = f"{bucket}.{host}"
    return f"{scheme}://{host}"
