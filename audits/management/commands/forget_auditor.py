"""``manage.py forget_auditor USERNAME_OR_ID [--yes]``: erase a departed auditor's personal data.

Their visits stay (reports do not change); the account becomes ``deleted-<id>``, loses its names,
e-mail, password and scopes, and is deactivated. See ``audits.services.auditor_forget``.
"""

from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from accounts.services import pseudonym_for, user_find
from audits.services import auditor_forget
from core.exceptions import RetentionError


class Command(BaseCommand):
    help = "Pseudonymise a departed auditor: erase their personal data, keep their visits."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("user", metavar="USERNAME_OR_ID", help="The auditor's username or user id.")
        parser.add_argument("--yes", action="store_true", help="Do not ask for confirmation.")
        parser.add_argument(
            "--any-role",
            action="store_true",
            help="Also forget a manager, staff member or admin (refused by default).",
        )

    def handle(self, *args: Any, user: str, yes: bool, any_role: bool, **options: Any) -> None:
        try:
            target = user_find(username_or_id=user)
        except RetentionError as exc:
            raise CommandError(str(exc))
        if target.pseudonymised_at is None and not yes:
            question = (
                f"Forget {target.role} {target.username!r} (id {target.pk}, organization "
                f"{target.organization_id})? Their account becomes {pseudonym_for(target)!r}; "
                "this cannot be undone. [y/N] "
            )
            if input(question).strip().lower() not in {"y", "yes"}:
                raise CommandError("Aborted; nothing changed.")
        try:
            result = auditor_forget(user=target, allow_any_role=any_role)
        except RetentionError as exc:
            raise CommandError(str(exc))
        if result.already_forgotten:
            self.stdout.write(
                f"User {result.user_id} was already forgotten ({result.username}); nothing changed."
            )
            return
        self.stdout.write(
            self.style.SUCCESS(
                f"Forgot user {result.user_id}: now {result.username}; {result.visits_kept} visit(s) "
                f"and {result.history_entries} history entr(ies) kept under the pseudonym; "
                f"{result.assignments_cancelled} open assignment(s) cancelled."
            )
        )
