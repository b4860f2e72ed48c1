from django.db import migrations

from accounts.roles import sync_roles
from config import beat

class Migration(migrations.Migration):
    """Risk handles abuse cases (abuse.*), admins see them; the nightly full scan in beat."""

    dependencies = [
        ("abuse", "0001_abuse_cases"),
        ("accounts", "0012_login_records_and_abuse_audit"),
        ("risk", "0004_evaluation_failures"),
        # every permission the roles name exists first (sync_roles sets exactly those)
        ("payouts", "0004_payment_runs"),
        ("reports", "0003_daily_report_schedule"),
        ("imports", "0001_trade_client_ips"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [
        migrations.RunPython(sync_roles, migrations.RunPython.noop),
        beat.schedule(
            beat.Periodic(
                "Abuse: nightly full scan",
                "abuse.tasks.full_scan",
                minute="15",
                hour="2",
                description="Firm-wide abuse scan of the lookback period "
                "(docs/abuse-detection.md).",
            )
        ),
    ]
