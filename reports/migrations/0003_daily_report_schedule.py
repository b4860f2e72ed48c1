from django.db import migrations

TASK_NAME = "Reports: daily report"


def create_schedule(apps, schema_editor):
    crontab_model = apps.get_model("django_celery_beat", "CrontabSchedule")
    task_model = apps.get_model("django_celery_beat", "PeriodicTask")
    schedule, _ = crontab_model.objects.get_or_create(
        minute="10",
        hour="6",
        day_of_week="*",
        day_of_month="*",
        month_of_year="*",
        timezone="UTC",
    )
    task_model.objects.get_or_create(
        name=TASK_NAME,
        defaults={
            "task": "reports.tasks.send_daily_report",
            "crontab": schedule,
            "description": "Email admins yesterday's breaches, passes, payouts and firm P&L "
            "(once per day, whatever the number of runs).",
        },
    )


def delete_schedule(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name=TASK_NAME).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("reports", "0002_report_roles"),
        ("risk", "0003_periodic_tasks"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(create_schedule, delete_schedule)]
