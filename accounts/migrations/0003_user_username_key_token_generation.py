"""Usernames unique after normalization (``username_key``) and per-person token generations.

The key is added empty, filled from every existing username with the same function the model
uses, and made unique in 0003. Existing names that collide once normalized (``élise`` and
``ÉLISE`` stored on SQLite, say) stop the migration with their ids: rename one of each pair
(admin site or shell) on the previous release, then migrate again.
"""

from collections import defaultdict

from django.db import migrations, models

import accounts.models


def fill_username_keys(apps, schema_editor):
    from accounts.usernames import username_key

    User = apps.get_model("accounts", "User")
    by_key = defaultdict(list)
    users = list(User.objects.only("pk", "username"))
    for user in users:
        user.username_key = username_key(user.username)
        by_key[user.username_key].append(user)
    clashes = {key: people for key, people in by_key.items() if len(people) > 1}
    if clashes:
        listing = "; ".join(
            ", ".join(f"{p.username!r} (id {p.pk})" for p in people) for people in clashes.values()
        )
        raise RuntimeError(
            "These usernames are one name once case and look-alike characters are folded; rename all "
            f"but one of each group, then migrate again: {listing}"
        )
    User.objects.bulk_update(users, ["username_key"], batch_size=500)


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0002_organization_settings"),
    ]

    operations = [
        migrations.AlterModelManagers(
            name="user",
            managers=[
                ("objects", accounts.models.UserManager()),
            ],
        ),
        migrations.AddField(
            model_name="user",
            name="token_generation",
            field=models.PositiveIntegerField(default=0, editable=False),
        ),
        migrations.AddField(
            model_name="user",
            name="username_key",
            field=models.CharField(editable=False, max_length=450, null=True),
        ),
        migrations.RunPython(fill_username_keys, migrations.RunPython.noop),
    ]
