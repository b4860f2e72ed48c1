from django.db import migrations

# name -> (task, crontab fields, description). Times are UTC; day resets are per phase zone, so
# the rollover runs every 15 minutes and each account is judged against its own reset.
PERIODIC_TASKS = {
    "Risk: day rollover": (
        "risk.tasks.day_rollover",
        {"minute": "*/15", "hour": "*"},
        "Evaluate open accounts so breaches at a day reset are caught without a new trade.",
    ),
    "Risk: hedging scan": (
        "risk.tasks.scan_hedging",
        {"minute": "5", "hour": "*"},
        "Firm-wide scan for opposite positions across accounts (soft violations).",
    ),
    "Risk: inactivity and time limits": (
        "risk.tasks.check_inactivity_and_time_limits",
        {"minute": "30", "hour": "0"},
        "Fail accounts inactive for too long or past their time limit.",
    ),
}


def create_periodic_tasks(apps, schema_editor):
    crontab_model = apps.get_model("django_celery_beat", "CrontabSchedule")
    task_model = apps.get_model("django_celery_beat", "PeriodicTask")
    for name, (task, cron, description) in PERIODIC_TASKS.items():
        schedule, _ = crontab_model.objects.get_or_create(
            minute=cron["minute"],
            hour=cron["hour"],
            day_of_week="*",
            day_of_month="*",
            month_of_year="*",
            timezone="UTC",
        )
        task_model.objects.get_or_create(
            name=name,
            defaults={"task": task, "crontab": schedule, "description": description},
        )


def delete_periodic_tasks(apps, schema_editor):
    task_model = apps.get_model("django_celery_beat", "PeriodicTask")
    task_model.objects.filter(name__in=list(PERIODIC_TASKS)).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("risk", "0002_risk_roles"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(create_periodic_tasks, delete_periodic_tasks)]
