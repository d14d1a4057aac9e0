"""Django admin for organizations, people, regions, locations and API keys.

Superusers (platform operators) see every organization. An organization's admins (``role=admin``,
made ``is_staff`` by the services) see and edit their own organization only: querysets, choices
and saves are all pinned to it, so the admin site keeps the API's tenancy rule.
API keys are created through the API (the key is shown once there); here they can be revoked.
"""

from collections import defaultdict
from typing import Any

from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import AdminUserCreationForm, UserChangeForm
from django.core.exceptions import ValidationError
from django.db import router, transaction
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from core.exceptions import DomainConflict

from . import services
from .models import ApiKey, Location, Organization, Region, Role, User
from .usernames import username_key, validate_new_username


def _is_org_admin(request: HttpRequest) -> bool:
    user = request.user
    return (
        isinstance(user, User)  # not Django's AnonymousUser
        and user.is_active
        and user.is_staff
        and not user.is_superuser
        and user.role == Role.ADMIN
        and user.organization_id is not None
    )


def _unique_in_org_form(form_class, organization_id: int, fields: tuple[str, ...]):
    """The organization is not on an org admin's form, so Django skips the per-organization
    unique constraint; check it here so a duplicate code is a form error, not a crash."""

    class UniqueInOrganizationForm(form_class):
        def clean(self):
            cleaned = super().clean()
            model = self._meta.model
            for field in fields:
                value = cleaned.get(field)
                clash = model.objects.filter(organization_id=organization_id, **{field: value})
                if value and clash.exclude(pk=self.instance.pk).exists():
                    self.add_error(field, f"This {field} is already used in your organization.")
            return cleaned

    return UniqueInOrganizationForm


class OrganizationScopedAdmin(admin.ModelAdmin):
    """Pins an organization admin to their organization; superusers keep the whole view."""

    org_field = "organization"
    org_admin_may_add = True
    org_admin_may_delete = False
    unique_per_org: tuple[str, ...] = ()

    def _allowed(self, request) -> bool:
        return request.user.is_superuser or _is_org_admin(request)

    def has_module_permission(self, request):
        return self._allowed(request)

    def has_view_permission(self, request, obj=None):
        return self._allowed(request)

    def has_change_permission(self, request, obj=None):
        return self._allowed(request)

    def has_add_permission(self, request):
        return request.user.is_superuser or (self.org_admin_may_add and _is_org_admin(request))

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser or (self.org_admin_may_delete and _is_org_admin(request))

    def get_queryset(self, request):
        qs = super().get_queryset(request)
        if request.user.is_superuser:
            return qs
        return qs.filter(**{f"{self.org_field}_id": request.user.organization_id})

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        if request.user.is_superuser or not self.unique_per_org:
            return form  # the organization is on the form: Django checks the constraint itself
        return _unique_in_org_form(form, request.user.organization_id, self.unique_per_org)

    def get_exclude(self, request, obj=None):
        exclude = list(super().get_exclude(request, obj) or [])
        if not request.user.is_superuser and self.org_field == "organization":
            exclude.append("organization")
        return exclude

    def get_list_filter(self, request):
        filters = list(super().get_list_filter(request))
        if not request.user.is_superuser:
            filters = [f for f in filters if f != "organization"]
        return filters

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if not request.user.is_superuser and db_field.related_model in (Region, Location, User):
            kwargs["queryset"] = db_field.related_model.objects.filter(
                organization_id=request.user.organization_id
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if not request.user.is_superuser and db_field.related_model in (Region, Location):
            kwargs["queryset"] = db_field.related_model.objects.filter(
                organization_id=request.user.organization_id
            )
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    def save_model(self, request, obj, form, change):
        if not request.user.is_superuser and self.org_field == "organization":
            obj.organization_id = request.user.organization_id
        super().save_model(request, obj, form, change)


@admin.register(Organization)
class OrganizationAdmin(OrganizationScopedAdmin):
    org_field = "id"
    org_admin_may_add = False
    list_display = ["id", "name", "created_at"]
    search_fields = ["name"]
    readonly_fields = ["created_at"]

    def get_queryset(self, request):
        qs = admin.ModelAdmin.get_queryset(self, request)
        return qs if request.user.is_superuser else qs.filter(pk=request.user.organization_id)


@admin.register(Region)
class RegionAdmin(OrganizationScopedAdmin):
    unique_per_org = ("code",)
    list_display = ["code", "name", "organization"]
    list_filter = ["organization"]
    search_fields = ["code", "name"]


@admin.register(Location)
class LocationAdmin(OrganizationScopedAdmin):
    unique_per_org = ("code",)

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if db_field.name == "website":
            kwargs["assume_scheme"] = "https"  # a bare "example.com" is an https site
        return super().formfield_for_dbfield(db_field, request, **kwargs)

    list_display = ["code", "name", "region", "timezone", "geofence_m", "organization"]
    list_filter = ["organization", "region", "timezone"]
    search_fields = ["code", "name", "address"]
    list_select_related = ["region", "organization"]


class UsernameRulesMixin:
    """The API's username rules in the admin site's forms: a new or changed name must be free once
    case and look-alikes are folded (``username_key``), and may not be reserved or mix scripts.
    The unique index decides a race; this turns the usual case into a form error."""

    # Provided by the ModelForm this is mixed into.
    cleaned_data: dict[str, Any]
    instance: User

    def clean_username(self) -> Any:  # the cleaned value, or the missing one as given
        username = self.cleaned_data.get("username")
        if not username:
            return username
        instance = self.instance
        if instance.pk is None or username != instance.username:
            try:
                username = validate_new_username(username)
            except ValidationError as exc:
                raise ValidationError(exc.messages)
        taken = User.objects.filter(username_key=username_key(username)).exclude(pk=instance.pk)
        if taken.exists():
            raise ValidationError(instance.unique_error_message(User, ["username"]))
        return username


class UserAddForm(UsernameRulesMixin, AdminUserCreationForm):
    pass


class UserEditForm(UsernameRulesMixin, UserChangeForm):
    pass


@admin.register(User)
class UserAdmin(OrganizationScopedAdmin, DjangoUserAdmin):
    form = UserEditForm
    add_form = UserAddForm
    list_display = ["username", "display_name", "email", "role", "organization", "is_active"]
    list_filter = ["organization", "role", "is_active"]
    search_fields = ["username", "display_name", "email"]
    list_select_related = ["organization"]
    filter_horizontal = ["regions", "locations"]
    fieldsets = [
        (None, {"fields": ["username", "password"]}),
        ("Person", {"fields": ["display_name", "first_name", "last_name", "email"]}),
        ("Organization", {"fields": ["organization", "role", "regions", "locations", "is_active"]}),
        ("Platform", {"fields": ["is_staff", "is_superuser", "groups", "user_permissions"]}),
        ("Dates", {"fields": ["last_login", "date_joined", "pseudonymised_at"]}),
    ]
    add_fieldsets = [
        (None, {"fields": ["username", "usable_password", "password1", "password2"]}),
        ("Organization", {"fields": ["organization", "role", "display_name", "email"]}),
    ]
    readonly_fields = ["last_login", "date_joined", "pseudonymised_at"]

    def get_queryset(self, request):
        qs = super().get_queryset(request)
        return qs if request.user.is_superuser else qs.filter(is_superuser=False)

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if request.user.is_superuser:
            return fieldsets
        # Organization admins manage people of their organization, never platform rights.
        hidden = {"organization", "is_staff", "is_superuser", "groups", "user_permissions"}
        return [
            (title, {**opts, "fields": [f for f in opts["fields"] if f not in hidden]})
            for title, opts in fieldsets
            if [f for f in opts["fields"] if f not in hidden]
        ]

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        if obj is None or not (obj.role == Role.ADMIN and obj.is_active and obj.organization_id):
            return form

        # The admin builds its form class per request: a base known only at run time.
        class KeepOneAdminForm(form):  # type: ignore[valid-type,misc]
            """As in the API: an organization always keeps one active admin. The check takes the
            organization lock, held by the admin's transaction until the change is saved."""

            def clean(self):
                cleaned = super().clean()
                organization = cleaned.get("organization", obj.organization)
                leaving = (
                    cleaned.get("role", obj.role) != Role.ADMIN
                    or not cleaned.get("is_active", obj.is_active)
                    or (organization.pk if organization is not None else None) != obj.organization_id
                )
                if leaving:
                    try:
                        services.ensure_admin_remains(organization_id=obj.organization_id, leaving=[obj.pk])
                    except DomainConflict as exc:
                        raise ValidationError(exc.message)
                return cleaned

        return KeepOneAdminForm

    def save_model(self, request, obj, form, change):
        if not request.user.is_superuser:
            obj.is_staff = obj.role == Role.ADMIN
        super().save_model(request, obj, form, change)

    def get_deleted_objects(self, objs, request):
        """Deleting an organization's last active admins is refused like deleting protected rows.

        Runs inside the delete's transaction (the delete view's, and the action's below), so the
        organization lock taken by the check is held until the rows are gone.
        """
        deleted, model_count, perms_needed, protected = super().get_deleted_objects(objs, request)
        leaving = defaultdict(list)
        for user in objs:
            if user.role == Role.ADMIN and user.is_active and user.organization_id:
                leaving[user.organization_id].append(user.pk)
        protected = list(protected)
        for organization_id in sorted(leaving):  # one lock order
            try:
                services.ensure_admin_remains(
                    organization_id=organization_id, leaving=leaving[organization_id]
                )
            except DomainConflict:
                name = Organization.objects.get(pk=organization_id).name
                protected.append(f"{name}: the last active admin (an organization must keep at least one)")
        return deleted, model_count, perms_needed, protected

    def response_action(
        self, request: HttpRequest, queryset: QuerySet[User], *args: Any, **kwargs: Any
    ) -> HttpResponse | None:
        with transaction.atomic(using=router.db_for_write(self.model)):
            return super().response_action(request, queryset, *args, **kwargs)


@admin.register(ApiKey)
class ApiKeyAdmin(OrganizationScopedAdmin):
    """Keys are made through the API (the full key is shown once there); here: read and revoke."""

    org_admin_may_add = False
    list_display = ["name", "prefix", "scopes", "organization", "created_at", "last_used_at", "revoked_at"]
    list_filter = ["organization", ("revoked_at", admin.EmptyFieldListFilter)]
    search_fields = ["name", "prefix"]
    readonly_fields = [
        "organization",
        "prefix",
        "hashed_key",
        "created_by",
        "created_at",
        "last_used_at",
        "revoked_at",
    ]
    fields = ["name", *readonly_fields]
    actions = ["revoke"]

    def has_add_permission(self, request):
        return False  # the raw key could not be shown once; create keys through the API

    def get_exclude(self, request, obj=None):
        return []

    @admin.action(description="Revoke selected API keys now")
    def revoke(self, request, queryset):
        count = queryset.filter(revoked_at__isnull=True).update(revoked_at=timezone.now())
        self.message_user(request, f"Revoked {count} key(s).", messages.SUCCESS)
