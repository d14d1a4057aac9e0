"""``python manage.py load_checklists [--org NAME] [--update]``: install the built-in library.

One checklist per channel (in person, phone, website, email, chat, social), each item naming the
service practice it checks. Idempotent: checklists are keyed by ``builtin_key``, so a second run
creates nothing. Without ``--org`` every organization gets the library.
"""

from django.core.management.base import BaseCommand, CommandError

from accounts.models import Organization
from checklists.services import library_install


class Command(BaseCommand):
    help = "Install the built-in checklist library (one checklist per channel) into organizations."

    def add_arguments(self, parser):
        parser.add_argument("--org", help="Name of the organization (default: every organization).")
        parser.add_argument(
            "--update",
            action="store_true",
            help="Publish a new version of installed library checklists whose definition changed.",
        )

    def handle(self, *args, org=None, update=False, **options):
        organizations = Organization.objects.order_by("id")
        if org is not None:
            organizations = organizations.filter(name=org)
            if not organizations.exists():
                raise CommandError(f"No organization named {org!r}.")
        elif not organizations.exists():
            self.stdout.write("No organizations yet: nothing to install.")
            return
        for organization in organizations:
            outcomes = library_install(organization=organization, update=update)
            counts = {
                kind: sum(1 for _, o in outcomes if o == kind) for kind in ("created", "updated", "unchanged")
            }
            self.stdout.write(
                f"{organization.name}: {counts['created']} created, {counts['updated']} updated, "
                f"{counts['unchanged']} unchanged."
            )
