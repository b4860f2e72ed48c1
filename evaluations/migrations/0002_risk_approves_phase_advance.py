from django.db import migrations

from accounts.roles import sync_roles


class Migration(migrations.Migration):
    """The risk desk approves next phases (phases without auto-advance) and reinstates failed
    accounts: give the risk role those two permissions (accounts.roles.ROLE_PERMISSIONS)."""

    dependencies = [
        ("accounts", "0002_staff_roles"),
        ("evaluations", "0001_initial"),
    ]

    operations = [migrations.RunPython(sync_roles, migrations.RunPython.noop)]
