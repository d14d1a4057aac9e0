"""Fixtures for the checklist tests: a valid definition to tweak, and checklists made through the service."""

import copy

import pytest

from checklists.services import checklist_create

DEFINITION = {
    "name": "Store visit",
    "description": "Walk in your customer's shoes.",
    "channel": "in_person",
    "pass_threshold": 80,
    "sections": [
        {
            "key": "greeting",
            "title": "Greeting",
            "weight": 2,
            "items": [
                {"key": "greeted_within_30s", "prompt": "Greeted within 30 seconds?", "type": "yes_no"},
                {
                    "key": "welcome_warmth",
                    "prompt": "How warm was the welcome?",
                    "type": "scale",
                    "scale_min": 1,
                    "scale_max": 5,
                },
            ],
        },
        {
            "key": "resolution",
            "title": "Resolution",
            "items": [
                {
                    "key": "problem_solved",
                    "prompt": "Problem solved on first contact?",
                    "type": "yes_no",
                    "critical": True,
                    "allow_na": True,
                },
                {
                    "key": "transfers",
                    "prompt": "Were you passed around?",
                    "type": "choice",
                    "options": [
                        {"key": "none", "label": "No", "points": 2},
                        {"key": "bounced", "label": "Bounced around", "points": 0},
                    ],
                },
                {"key": "minutes_waited", "prompt": "Minutes waited?", "type": "number", "pass_max": 5},
                {"key": "remarks", "prompt": "Anything else?", "type": "text"},
                {"key": "storefront", "prompt": "Photograph the storefront.", "type": "photo"},
            ],
        },
    ],
}


@pytest.fixture
def definition():
    """A fresh, valid create body (deep-copied: tests may mutate it)."""
    return copy.deepcopy(DEFINITION)


@pytest.fixture
def make_checklist(definition):
    def make(organization, **overrides):
        body = {**copy.deepcopy(DEFINITION), **overrides}
        return checklist_create(organization=organization, **body)

    return make


@pytest.fixture
def checklist(org, make_checklist):
    return make_checklist(org)
