from django.db import migrations

from accounts.roles import sync_roles


class Migration(migrations.Migration):
    """Admins may view and delete staff authenticators (a lost phone: set up a new one)."""

    dependencies = [
        ("accounts", "0003_audit_events"),
        ("mfa", "0003_authenticator_type_uniq"),
    ]

    operations = [migrations.RunPython(sync_roles, migrations.RunPython.noop)]
