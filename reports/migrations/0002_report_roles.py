from django.db import migrations

from accounts.roles import sync_roles


class Migration(migrations.Migration):
    """Grant the staff-area permissions per role (accounts.roles.ROLE_PERMISSIONS): risk sees the
    risk monitor, finance the money dashboard, both the funnel; support and both of them the
    leaderboard; admins everything (reports.*)."""

    dependencies = [
        ("accounts", "0002_staff_roles"),
        ("reports", "0001_daily_report"),
        # Run after the other apps' role syncs so the groups end with every declared permission.
        ("risk", "0003_periodic_tasks"),
        ("payouts", "0002_payout_roles"),
        ("evaluations", "0002_risk_approves_phase_advance"),
    ]

    operations = [migrations.RunPython(sync_roles, migrations.RunPython.noop)]
