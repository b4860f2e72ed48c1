from django.db import migrations

from accounts.roles import sync_roles


class Migration(migrations.Migration):
    """Give the staff roles their payout permissions: finance approves, pays and exports;
    support and admins see (accounts.roles.ROLE_PERMISSIONS)."""

    dependencies = [
        ("accounts", "0002_staff_roles"),
        ("payouts", "0001_payout_requests"),
    ]

    operations = [migrations.RunPython(sync_roles, migrations.RunPython.noop)]
