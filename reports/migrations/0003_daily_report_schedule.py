from django.db import migrations

from config import beat

class Migration(migrations.Migration):
    dependencies = [
        ("reports", "0002_report_roles"),
        ("risk", "0003_periodic_tasks"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [
        beat.schedule(
            beat.Periodic(
                "Reports: daily report",
                "reports.tasks.send_daily_report",
                minute="10",
                hour="6",
                description="Email admins yesterday's breaches, passes, payouts and firm P&L "
                "(once per day, whatever the number of runs).",
            )
        )
    ]
