"""``manage.py bootstrap_org --name NAME --admin USERNAME --password PW``: an organization and its
first admin, ids printed. Running it again with the same names changes nothing (not even the
password) and prints the same ids, so deploy scripts may run it every time.
"""

import os

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from accounts.services import organization_bootstrap


class Command(BaseCommand):
    help = "Create an organization and its first admin (idempotent); prints their ids."

    def add_arguments(self, parser):
        parser.add_argument("--name", required=True, help="Organization name.")
        parser.add_argument("--admin", required=True, help="Username of the organization's admin.")
        parser.add_argument(
            "--password",
            default=os.environ.get("BOOTSTRAP_ADMIN_PASSWORD"),
            help="The admin's password (or set BOOTSTRAP_ADMIN_PASSWORD to keep it out of shell history).",
        )

    def handle(self, *args, name: str, admin: str, password: str | None, **options):
        name, admin = name.strip(), admin.strip()
        if not name or not admin:
            raise CommandError("--name and --admin must not be empty.")
        if not password:
            raise CommandError("Give --password (or BOOTSTRAP_ADMIN_PASSWORD).")
        try:
            organization, user, created = organization_bootstrap(
                name=name, admin_username=admin, admin_password=password
            )
        except ValidationError as exc:
            messages = (
                [m for msgs in exc.message_dict.values() for m in msgs]
                if hasattr(exc, "error_dict")
                else exc.messages
            )
            raise CommandError(" ".join(messages))
        self.stdout.write(f"organization_id={organization.pk} admin_id={user.pk}")
        if not created:
            self.stdout.write("Already set up: nothing changed.")
