"""What makes two usernames the same name, and which names may be given out.

``username_key`` is stored beside every username under a unique index, so the database itself
refuses a second person whose name differs from another's only by case or by a compatibility
look-alike, whatever path writes it and however many write at once:

1. NFKC: fullwidth ``ａｄｍｉｎ``, ligatures ``ﬁ`` and other compatibility forms become plain letters;
2. Unicode case folding (``casefold``, not ``lower``): ``ÉLISE`` is ``élise``, ``STRAßE`` is ``strasse``;
3. the Turkish i's fold into ``i``: dotless ``ı`` and the ``i̇`` that ``İ`` folds to.
   Python's case folding is locale-independent and keeps them apart, so ``ADMİN`` and ``admın``
   would otherwise pass as names other than ``admin``.

Look-alikes across scripts (Cyrillic ``а`` for Latin ``a``) are not folded (a confusables
skeleton would also merge ``l``/``1``/``I`` and ``rn``/``m`` and change with each Unicode release);
a new name that mixes scripts with look-alike letters is refused instead (``validate_new_username``).
"""

import re
import unicodedata

from confusable_homoglyphs import confusables
from django.contrib.auth.validators import UnicodeUsernameValidator
from django.core.exceptions import ValidationError

USERNAME_MAX_LENGTH = 150
# Forgetting a person renames them ``deleted-<id>`` (audits.services.auditor_forget): nobody else may hold such a name.
RESERVED = re.compile(r"deleted-\d+")

_TURKISH_I = str.maketrans({"\u0131": "i"})  # dotless ı


def username_key(username: object) -> str:
    """The form under which usernames are unique (and looked up at login); ``""`` for a non-string."""
    if not isinstance(username, str):
        return ""
    folded = unicodedata.normalize("NFKC", username).casefold()
    folded = unicodedata.normalize("NFKC", folded).translate(_TURKISH_I).replace("i\u0307", "i")
    return folded


def normalize_username(username: str) -> str:
    """The stored spelling: NFKC, as Django's own ``normalize_username`` (case is kept as typed)."""
    return unicodedata.normalize("NFKC", username)


def validate_new_username(username: str) -> str:
    """A name that may be given out, in its stored (NFKC) spelling; else a ``ValidationError``."""
    username = normalize_username(username)
    if len(username) > USERNAME_MAX_LENGTH:
        raise ValidationError(
            f"Ensure this field has no more than {USERNAME_MAX_LENGTH} characters (after Unicode normalization).",
            code="max_length",
        )
    UnicodeUsernameValidator()(username)
    if RESERVED.fullmatch(username_key(username)):
        raise ValidationError("Names of the form deleted-<number> are reserved.", code="reserved_username")
    if confusables.is_dangerous(username):
        raise ValidationError(
            "Usernames may not mix scripts with look-alike letters (e.g. Cyrillic and Latin).",
            code="confusable_username",
        )
    return username
