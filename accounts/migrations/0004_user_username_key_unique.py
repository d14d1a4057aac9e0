"""The unique index on ``username_key`` (filled by 0002): one person per normalized name."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0003_user_username_key_token_generation"),
    ]

    operations = [
        migrations.AlterField(
            model_name="user",
            name="username_key",
            field=models.CharField(editable=False, max_length=450, unique=True),
        ),
        migrations.AddConstraint(
            model_name="user",
            constraint=models.CheckConstraint(condition=~models.Q(username_key=""), name="user_username_key_set"),
        ),
    ]
