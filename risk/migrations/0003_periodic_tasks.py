from django.db import migrations

from config import beat

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


class Migration(migrations.Migration):
    dependencies = [
        ("risk", "0002_risk_roles"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [
        beat.schedule(
            *(
                beat.Periodic(name, task, cron["minute"], cron["hour"], description)
                for name, (task, cron, description) in PERIODIC_TASKS.items()
            )
        )
    ]
