from django.db import migrations

from accounts.roles import sync_roles
from config import beat

class Migration(migrations.Migration):
    """Risk sees bridges and commands (and issues a failed one again), support sees commands;
    beat releases pauses every minute."""

    dependencies = [
        ("evaluations", "0012_platform_bridges_and_commands"),
        ("accounts", "0014_platform_command_audit_action"),
        # every permission the roles name exists first (sync_roles sets exactly those)
        ("abuse", "0002_roles_and_nightly_scan"),
        ("risk", "0006_stored_drawdown_path"),
        ("payouts", "0004_payment_runs"),
        ("reports", "0003_daily_report_schedule"),
        ("imports", "0001_trade_client_ips"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [
        migrations.RunPython(sync_roles, migrations.RunPython.noop),
        beat.schedule(
            beat.Periodic(
                "Platform: release pauses at the reset",
                "evaluations.tasks.release_pauses",
                minute="*",
                hour="*",
                description="Tell the bridges to enable accounts whose daily-loss pause ended "
                "at their reset (docs/bridges.md).",
            )
        ),
    ]
