from django.db import migrations

from accounts.roles import sync_roles

NAME = "Platform: release pauses at the reset"
TASK = "evaluations.tasks.release_pauses"


def create_release_pauses(apps, schema_editor):
    crontab_model = apps.get_model("django_celery_beat", "CrontabSchedule")
    task_model = apps.get_model("django_celery_beat", "PeriodicTask")
    schedule, _ = crontab_model.objects.get_or_create(
        minute="*",
        hour="*",
        day_of_week="*",
        day_of_month="*",
        month_of_year="*",
        timezone="UTC",
    )
    task_model.objects.get_or_create(
        name=NAME,
        defaults={
            "task": TASK,
            "crontab": schedule,
            "description": "Tell the bridges to enable accounts whose daily-loss pause ended "
            "at their reset (docs/bridges.md).",
        },
    )


def delete_release_pauses(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name=NAME).delete()


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
        migrations.RunPython(create_release_pauses, delete_release_pauses),
    ]
