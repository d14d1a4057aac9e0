"""Writes for checklists: create (publishing version 1), publish the next version, rename.

Every definition goes through ``checklists.definition.validate_definition`` here, whoever calls
(the API, ``load_checklists``, the demo seed), so no invalid tree is ever stored.
"""

from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from accounts.models import Organization
from core.exceptions import DomainConflict
from core.validation import problems_as_dict

from .definition import (
    MISSING,
    definition_problems,
    normalize_languages,
    normalize_sections,
    to_threshold,
    validate_definition,
)
from .library import LIBRARY
from .models import Checklist, ChecklistVersion, Qualification

NAME_MAX_LENGTH = 200


def _text_problems(
    *, name: Any = MISSING, description: Any = MISSING, name_required: bool
) -> dict[str, list[ValidationError]]:
    errors: dict[str, list[ValidationError]] = {}
    if name is MISSING:
        if name_required:
            errors["name"] = [ValidationError("This field is required.", code="required")]
    elif not isinstance(name, str) or not name.strip():
        errors["name"] = [ValidationError("Must be a non-empty string.", code="blank")]
    elif len(name) > NAME_MAX_LENGTH:
        errors["name"] = [ValidationError(f"At most {NAME_MAX_LENGTH} characters.", code="max_length")]
    if description is not MISSING and not isinstance(description, str):
        errors["description"] = [ValidationError("Must be a string.", code="invalid")]
    return errors


def _qualifications(organization_id: int, codes: list[str], errors: dict[str, Any]) -> list[Qualification]:
    """The organization's qualifications by ``codes``; unknown codes are a problem in ``errors``."""
    found = list(Qualification.objects.filter(organization_id=organization_id, code__in=codes))
    unknown = sorted(set(codes) - {q.code for q in found})
    if unknown:
        errors["required_qualifications"] = [
            ValidationError(f"Unknown qualification codes: {', '.join(unknown)}.", code="does_not_exist")
        ]
    return found


@transaction.atomic
def checklist_create(
    *,
    organization: Organization,
    name: str,
    channel: str,
    pass_threshold: Any,
    sections: Any,
    description: str = "",
    builtin_key: str = "",
    languages: Any = None,
    min_duration_minutes: int | None = None,
    required_qualifications: list[str] | None = None,
) -> Checklist:
    """Create a checklist and publish its definition as version 1."""
    errors = _text_problems(name=name, description=description, name_required=True)
    required = _qualifications(organization.pk, required_qualifications or [], errors)
    problems = definition_problems(
        sections=sections, pass_threshold=pass_threshold, channel=channel, languages=languages
    )
    errors.update(problems_as_dict(problems))
    if errors:
        raise ValidationError(errors)
    tags = normalize_languages(languages)
    threshold, tree = to_threshold(pass_threshold), normalize_sections(sections, languages=tags)
    checklist = Checklist.objects.create(
        organization=organization,
        name=name.strip(),
        description=description,
        channel=channel,
        current_version=1,
        builtin_key=builtin_key,
        min_duration_minutes=min_duration_minutes,
    )
    if required:
        checklist.required_qualifications.set(required)
    ChecklistVersion.objects.create(
        checklist=checklist, number=1, pass_threshold=threshold, sections=tree, languages=tags
    )
    return checklist


@transaction.atomic
def checklist_version_publish(
    *, checklist: Checklist, pass_threshold: Any, sections: Any, languages: Any = None
) -> ChecklistVersion:
    """Publish the next version of ``checklist``; earlier versions stay exactly as they were."""
    definition = validate_definition(sections=sections, pass_threshold=pass_threshold, languages=languages)
    # Lock the checklist so that two publishers get consecutive numbers instead of a clash.
    locked = Checklist.objects.select_for_update().get(pk=checklist.pk)
    number = locked.current_version + 1
    try:
        with transaction.atomic():
            version = ChecklistVersion.objects.create(
                checklist=locked,
                number=number,
                pass_threshold=definition.pass_threshold,
                sections=definition.sections,
                languages=definition.languages,
            )
    except IntegrityError:
        raise DomainConflict(
            "Another version of this checklist was published at the same moment; retry.",
            code="version_conflict",
        )
    locked.current_version = number
    locked.save(update_fields=["current_version", "updated_at"])
    checklist.current_version = number
    return version


@transaction.atomic
def checklist_update(*, checklist: Checklist, data: dict[str, Any]) -> Checklist:
    """Rename or re-describe a checklist; its definition only changes by publishing a version."""
    unknown = sorted(set(data) - {"name", "description", "min_duration_minutes", "required_qualifications"})
    errors = {
        key: [
            ValidationError(
                "Only name, description and min_duration_minutes can be changed.", code="read_only"
            )
        ]
        for key in unknown
    }
    errors.update(
        _text_problems(
            name=data.get("name", MISSING), description=data.get("description", MISSING), name_required=False
        )
    )
    required = None
    if "required_qualifications" in data:
        required = _qualifications(checklist.organization_id, data["required_qualifications"], errors)
    if errors:
        raise ValidationError(errors)
    if required is not None:
        checklist.required_qualifications.set(required)
    fields = []
    if "name" in data:
        checklist.name = data["name"].strip()
        fields.append("name")
    if "description" in data:
        checklist.description = data["description"]
        fields.append("description")
    if "min_duration_minutes" in data:
        checklist.min_duration_minutes = data["min_duration_minutes"]
        fields.append("min_duration_minutes")
    if fields:
        checklist.save(update_fields=[*fields, "updated_at"])
    return checklist


def library_install(
    *, organization: Organization, entries: Iterable[dict[str, Any]] | None = None, update: bool = False
) -> list[tuple[str, str]]:
    """Install the built-in checklists into ``organization``; returns ``(builtin_key, outcome)``.

    Idempotent: a checklist already installed (same ``builtin_key``) is left alone, so running
    twice creates nothing. With ``update=True`` a library definition that differs from the
    installed current version is published as its next version (earlier versions stay).
    """

    outcomes = []
    for entry in LIBRARY if entries is None else entries:
        outcomes.append((entry["builtin_key"], _library_install_one(organization, entry, update=update)))
    return outcomes


@transaction.atomic
def _library_install_one(organization: Organization, entry: dict[str, Any], *, update: bool) -> str:
    existing = (
        Checklist.objects.select_for_update()
        .filter(organization=organization, builtin_key=entry["builtin_key"])
        .first()
    )
    if existing is None:
        try:
            with transaction.atomic():
                checklist_create(
                    organization=organization,
                    name=entry["name"],
                    description=entry["description"],
                    channel=entry["channel"],
                    pass_threshold=entry["pass_threshold"],
                    sections=entry["sections"],
                    builtin_key=entry["builtin_key"],
                    languages=entry.get("languages"),
                )
        except IntegrityError:
            return "unchanged"  # a concurrent run installed it first
        return "created"
    if not update:
        return "unchanged"
    definition = validate_definition(
        sections=entry["sections"], pass_threshold=entry["pass_threshold"], languages=entry.get("languages")
    )
    current = ChecklistVersion.objects.get(checklist=existing, number=existing.current_version)
    if (
        current.sections == definition.sections
        and current.pass_threshold == definition.pass_threshold
        and current.languages == definition.languages
    ):
        return "unchanged"
    checklist_version_publish(
        checklist=existing,
        pass_threshold=entry["pass_threshold"],
        sections=entry["sections"],
        languages=entry.get("languages"),
    )
    return "updated"
