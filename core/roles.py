"""The role vocabulary: what a caller is, in one place.

A person has exactly one ``Role`` (stored on ``accounts.User``). An integrator's API key is not a
person and has no stored role; it acts in the role ``API_KEY_ROLE``, which permissions, scoping
and throttles name next to the people's roles. ``Role`` is a ``TextChoices``: a member equals its
string value, so a role read from the database (a plain ``str``) compares and hashes alike.
"""

from typing import Final

from django.db import models


class Role(models.TextChoices):
    ADMIN = "admin", "Admin"
    MANAGER = "manager", "Manager"
    AUDITOR = "auditor", "Auditor"
    STAFF = "staff", "Staff"


API_KEY_ROLE: Final = "api_key"
