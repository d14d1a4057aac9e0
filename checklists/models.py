"""Checklists and their immutable, versioned definitions.

A ``ChecklistVersion`` stores its whole tree (sections and items) as validated JSON. Once
published it never changes: ``save`` refuses to update an existing row, ``delete`` refuses too,
and so do the bulk paths (``QuerySet.update``/``delete``, hence ``bulk_update``), so every visit
stays scored against the version it was made with. Whoever inserts a version, its tree is stored
normalized (``checklists.definition``) with the ETag of exactly what is stored.
"""

from django.core.exceptions import ValidationError
from django.db import models

from .definition import normalize_languages, normalize_sections, to_threshold, version_etag


class Channel(models.TextChoices):
    IN_PERSON = "in_person", "In person"
    PHONE = "phone", "Phone"
    WEBSITE = "website", "Website"
    EMAIL = "email", "Email"
    CHAT = "chat", "Chat"
    SOCIAL = "social", "Social media"


class Checklist(models.Model):
    organization = models.ForeignKey(
        "accounts.Organization", on_delete=models.CASCADE, related_name="checklists"
    )
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    channel = models.CharField(max_length=16, choices=Channel.choices)
    current_version = models.PositiveIntegerField(default=0)
    # A visit shorter than this is flagged ``too_short`` (``audits.integrity``); null: no minimum.
    min_duration_minutes = models.PositiveIntegerField(null=True, blank=True)
    builtin_key = models.CharField(
        max_length=64, blank=True, help_text="Set for checklists from the built-in library."
    )
    # Only auditors holding all of these may claim its jobs (``fieldwork``).
    required_qualifications = models.ManyToManyField(
        "checklists.Qualification", blank=True, related_name="checklists"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name", "id"]
        constraints = [
            # The library installs each built-in checklist once per organization, even when two
            # ``load_checklists`` runs race.
            models.UniqueConstraint(
                fields=["organization", "builtin_key"],
                condition=~models.Q(builtin_key=""),
                name="uniq_builtin_checklist_per_org",
            )
        ]

    def __str__(self) -> str:
        return self.name


class Qualification(models.Model):
    """What an auditor may be certified for (a language, a brand training): granted by ``fieldwork``."""

    organization = models.ForeignKey(
        "accounts.Organization", on_delete=models.CASCADE, related_name="qualifications"
    )
    code = models.CharField(max_length=50)
    name = models.CharField(max_length=200)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["code", "id"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "code"], name="uniq_qualification_code_per_org")
        ]

    def __str__(self) -> str:
        return self.code


class ImmutableVersionError(ValidationError):
    pass


class ChecklistVersionQuerySet(models.QuerySet):
    """Bulk writes would bypass ``save``/``delete``: refuse them too."""

    def update(self, **kwargs):
        raise ImmutableVersionError("A published checklist version never changes.", code="immutable")

    def delete(self):
        raise ImmutableVersionError("A published checklist version cannot be deleted.", code="immutable")

    # As Django's own: no ``objects.delete()`` shortcut. Django reads this flag off the function.
    delete.queryset_only = True  # type: ignore[attr-defined]


class ChecklistVersion(models.Model):
    checklist = models.ForeignKey(Checklist, on_delete=models.PROTECT, related_name="versions")
    number = models.PositiveIntegerField()
    pass_threshold = models.DecimalField(max_digits=5, decimal_places=2, default=80)
    sections = models.JSONField()
    languages = models.JSONField(
        default=list,
        blank=True,
        help_text="Declared languages, the default first; [] when none are declared.",
    )
    published_at = models.DateTimeField(auto_now_add=True)
    etag = models.CharField(max_length=64, editable=False)

    objects = ChecklistVersionQuerySet.as_manager()

    class Meta:
        ordering = ["checklist_id", "number"]
        constraints = [models.UniqueConstraint(fields=["checklist", "number"], name="uniq_checklist_version")]

    def __str__(self) -> str:
        return f"{self.checklist_id} v{self.number}"

    def save(self, *args, **kwargs):
        if self.pk is not None and not self._state.adding:
            raise ImmutableVersionError("A published checklist version never changes.", code="immutable")
        # Whoever inserts a version (service, factory, fixture), the stored tree is normalized and
        # the ETag is the fingerprint of exactly what is stored.
        self.languages = normalize_languages(self.languages)
        self.sections = normalize_sections(self.sections, languages=self.languages)
        self.pass_threshold = to_threshold(self.pass_threshold)
        self.etag = version_etag(
            checklist_id=self.checklist_id,
            number=self.number,
            pass_threshold=self.pass_threshold,
            sections=self.sections,
            languages=self.languages,
        )
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ImmutableVersionError("A published checklist version cannot be deleted.", code="immutable")

    def items(self):
        """Yield ``(section, item)`` pairs in definition order."""
        for section in self.sections:
            for item in section["items"]:
                yield section, item
