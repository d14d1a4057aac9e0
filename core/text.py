"""Text a database can store: no NUL character, no lone UTF-16 surrogate.

Pure (no Django or DRF import), so that domain validators can use it as well as the HTTP layer.
The codes are DRF's own (its ``CharField`` refuses the same characters), so a client sees one code
for one mistake whichever field it made it in.
"""

import re

_SURROGATE = re.compile("[\ud800-\udfff]")

NULL_CODE = "null_characters_not_allowed"
SURROGATE_CODE = "surrogate_characters_not_allowed"


def unstorable_text_problem(value: str) -> tuple[str, str] | None:
    """``(message, code)`` when ``value`` cannot be stored as text, ``None`` when it can."""
    if "\x00" in value:
        return "Null characters are not allowed.", NULL_CODE
    if _SURROGATE.search(value):
        return "Surrogate characters are not allowed (text must be valid Unicode).", SURROGATE_CODE
    return None
