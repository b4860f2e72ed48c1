"""The periodic tasks the migrations schedule (config/beat.py): each app's, on its crontab."""

import pytest
from django_celery_beat.models import PeriodicTask

pytestmark = pytest.mark.django_db

SCHEDULED = {
    "Risk: day rollover": ("risk.tasks.day_rollover", "*/15", "*"),
    "Abuse: nightly full scan": ("abuse.tasks.full_scan", "15", "2"),
    "Reports: daily report": ("reports.tasks.send_daily_report", "10", "6"),
    "Platform: release pauses at the reset": ("evaluations.tasks.release_pauses", "*", "*"),
    "Live: prune minute bars and late ticks": ("live.tasks.prune_live_storage", "20", "3"),
}


def test_the_migrations_schedule_every_periodic_task_once_in_utc():
    tasks = {t.name: t for t in PeriodicTask.objects.select_related("crontab")}
    for name, (task, minute, hour) in SCHEDULED.items():
        assert tasks[name].task == task
        crontab = tasks[name].crontab
        assert (crontab.minute, crontab.hour, str(crontab.timezone)) == (minute, hour, "UTC")
