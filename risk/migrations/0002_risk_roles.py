from django.db import migrations

from accounts.roles import sync_roles


class Migration(migrations.Migration):
    """Give the staff roles their risk permissions (accounts.roles.ROLE_PERMISSIONS): admins and
    risk manage violations and the calendar; support sees violations and metrics."""

    dependencies = [
        ("accounts", "0002_staff_roles"),
        ("risk", "0001_violations_and_metrics"),
    ]

    operations = [migrations.RunPython(sync_roles, migrations.RunPython.noop)]
