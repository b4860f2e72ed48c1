from django.db import migrations

PERIODIC_TASKS = {
    "Live: prune minute bars and late ticks": (
        "live.tasks.prune_live_storage",
        {"minute": "20", "hour": "3"},
        "Delete per-minute equity bars and late ticks past their retention (LIVE_*_RETENTION).",
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
        ("live", "0001_live_storage"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(create_periodic_tasks, delete_periodic_tasks)]
