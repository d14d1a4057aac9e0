"""A 40-answer checklist and its answers, for the visit report tests and ``bench/bench_pdf.py``."""

_KINDS = ("yes_no", "scale", "choice", "number", "text")


def _item(number: int) -> dict:
    kind = _KINDS[number % len(_KINDS)]
    item = {
        "key": f"q{number:02d}",
        "prompt": f"Question {number:02d}: did the team do what a good store does at this point of the visit?",
        "type": kind,
        "weight": 1,
        "critical": number == 5,
        "allow_na": number % 7 == 3,
    }
    if kind == "scale":
        item.update(scale_min=1, scale_max=5)
    elif kind == "choice":
        item["options"] = [
            {"key": "none", "label": "Nothing at all", "points": 0},
            {"key": "some", "label": "Something useful", "points": 1},
        ]
    elif kind == "number":
        item["pass_max"] = 5
    return item


def forty_sections(count: int = 40) -> list[dict]:
    """Four sections of ten items: 39 scored or text items of every type, and a photo item (with
    ``count``, only the first ``count`` items)."""
    items = [
        {
            "key": "storefront",
            "prompt": "Photo of the storefront",
            "type": "photo",
            "weight": 1,
            "photo": {"min": 1, "max": 6},
        }
    ]
    items += [_item(number) for number in range(1, 40)]
    items = items[:count]
    return [
        {
            "key": f"part{n}",
            "title": f"Part {n} of the visit",
            "weight": 1,
            "items": items[n * 10 : n * 10 + 10],
        }
        for n in range((count + 9) // 10)
    ]


def _value(item: dict, number: int):
    return {
        "yes_no": number % 5 != 0,
        "scale": 1 + number % 5,
        "choice": "some" if number % 2 else "none",
        "number": number % 9,
        "text": f"Free text answer number {number}.",
    }[item["type"]]


def forty_answers(count: int = 40) -> list[dict]:
    """The first ``count`` answers of ``forty_sections`` (the rest of a shorter checklist)."""
    answers = [{"item": "storefront", "na": False, "comment": ""}]
    for number in range(1, 40):
        item = _item(number)
        answers.append(
            {
                "item": item["key"],
                "value": _value(item, number),
                "na": False,
                "comment": f"Comment on question {number:02d}." if number % 4 == 0 else "",
            }
        )
    return answers[:count]
