"""Outgoing mail settings from one ``EMAIL_URL``, parsed by django-environ, checked at start.

``smtp://user:password@mail.example.com:25``, ``smtp+tls://...:587`` (STARTTLS), ``smtp+ssl://...:465``
(TLS from the first byte), ``consolemail://`` (print to the console: the default, and the demo's),
``filemail:///path/to/dir``, ``memorymail://``, ``dummymail://``; ``?timeout=10`` sets the SMTP
timeout in seconds. A URL that cannot be used stops the process at start with an error that names
the variable and never repeats the URL, which holds the password.
"""

from typing import Any

import environ
from django.core.exceptions import ImproperlyConfigured

SMTP_SCHEMES = frozenset({"smtp", "smtps", "smtp+tls", "smtp+ssl"})
# The ports each SMTP flavour listens on by default (RFC 8314, RFC 6409).
_DEFAULT_PORTS = {"smtp": 25, "smtps": 587, "smtp+tls": 587, "smtp+ssl": 465}


def _refuse(variable: str, reason: str) -> ImproperlyConfigured:
    schemes = ", ".join(sorted(environ.Env.EMAIL_SCHEMES))
    return ImproperlyConfigured(
        f"{variable} is not a usable email URL: {reason}. Expected e.g. "
        f"smtp+tls://user:password@mail.example.com:587 or consolemail:// (schemes: {schemes}); "
        "percent-encode special characters of the user name and password (e.g. '/' as %2F, '@' as %40)."
    )


def email_settings(url: str, *, variable: str = "EMAIL_URL", timeout: float = 15.0) -> dict[str, Any]:
    """The Django ``EMAIL_*`` settings an email URL stands for; ``ImproperlyConfigured`` if unusable.

    ``timeout`` bounds every SMTP connect and command (a hung server must not hold a worker),
    unless the URL says ``?timeout=``.
    """
    scheme = url.strip().split("://", 1)[0].lower() if "://" in url else ""
    if scheme not in environ.Env.EMAIL_SCHEMES:
        shown = f"'{scheme}'" if scheme.isascii() and scheme.replace("+", "").isalnum() else "missing"
        raise _refuse(variable, f"the scheme is {shown}")
    try:
        parsed = environ.Env.email_url_config(url.strip())
    except (ValueError, ImproperlyConfigured):
        # The parser's own message may quote part of the URL (a mistyped password, say): not shown.
        raise _refuse(variable, "its host or port is malformed") from None
    if scheme in SMTP_SCHEMES and not parsed.get("EMAIL_HOST"):
        raise _refuse(variable, "an SMTP URL needs a host")
    options = parsed.pop("OPTIONS", {}) or {}
    unknown = sorted(set(options) - {"TIMEOUT"})
    if unknown:
        raise _refuse(variable, f"unknown option(s) {', '.join(o.lower() for o in unknown)}")
    settings: dict[str, Any] = {
        "EMAIL_BACKEND": parsed["EMAIL_BACKEND"],
        "EMAIL_HOST": parsed.get("EMAIL_HOST") or "localhost",
        "EMAIL_PORT": parsed.get("EMAIL_PORT") or _DEFAULT_PORTS.get(scheme, 25),
        "EMAIL_HOST_USER": parsed.get("EMAIL_HOST_USER") or "",
        "EMAIL_HOST_PASSWORD": parsed.get("EMAIL_HOST_PASSWORD") or "",
        "EMAIL_USE_TLS": bool(parsed.get("EMAIL_USE_TLS", False)),
        "EMAIL_USE_SSL": bool(parsed.get("EMAIL_USE_SSL", False)),
        "EMAIL_TIMEOUT": timeout,
    }
    if "TIMEOUT" in options:
        value = options["TIMEOUT"]
        if not isinstance(value, int) or value <= 0:
            raise _refuse(variable, "timeout must be a whole number of seconds above 0")
        settings["EMAIL_TIMEOUT"] = float(value)
    if parsed.get("EMAIL_FILE_PATH"):
        settings["EMAIL_FILE_PATH"] = "/" + parsed["EMAIL_FILE_PATH"]
    return settings
