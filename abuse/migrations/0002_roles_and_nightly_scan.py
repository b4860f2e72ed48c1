from django.db import migrations

from accounts.roles import sync_roles

NAME = "Abuse: nightly full scan"
TASK = "abuse.tasks.full_scan"


def create_nightly_scan(apps, schema_editor):
    crontab_model = apps.get_model("django_celery_beat", "CrontabSchedule")
    task_model = apps.get_model("django_celery_beat", "PeriodicTask")
    schedule, _ = crontab_model.objects.get_or_create(
        minute="15",
        hour="2",
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
            "description": "Firm-wide abuse scan of the lookback period (docs/abuse-detection.md).",
        },
    )


def delete_nightly_scan(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name=NAME).delete()


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
        migrations.RunPython(create_nightly_scan, delete_nightly_scan),
    ]
