"""Periodic tasks, created by each app's migrations the same way (django-celery-beat).

    operations = [beat.schedule(beat.Periodic("Live: …", "live.tasks.…", "20", "3", "…"))]

A task is created once by name (a staff edit of its schedule in the admin survives later
migrations) on a UTC crontab of `minute` and `hour`; reversing the migration deletes it.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import migrations


@dataclass(frozen=True)
class Periodic:
    name: str
    task: str  # dotted path of the Celery task
    minute: str  # crontab fields, UTC
    hour: str
    description: str


def schedule(*tasks: Periodic) -> migrations.RunPython:
    """The migration operation creating `tasks` (and deleting them when reversed)."""

    def create(apps, schema_editor) -> None:
        crontab_model = apps.get_model("django_celery_beat", "CrontabSchedule")
        task_model = apps.get_model("django_celery_beat", "PeriodicTask")
        for periodic in tasks:
            crontab, _ = crontab_model.objects.get_or_create(
                minute=periodic.minute,
                hour=periodic.hour,
                day_of_week="*",
                day_of_month="*",
                month_of_year="*",
                timezone="UTC",
            )
            task_model.objects.get_or_create(
                name=periodic.name,
                defaults={
                    "task": periodic.task,
                    "crontab": crontab,
                    "description": periodic.description,
                },
            )

    def delete(apps, schema_editor) -> None:
        task_model = apps.get_model("django_celery_beat", "PeriodicTask")
        task_model.objects.filter(name__in=[periodic.name for periodic in tasks]).delete()

    return migrations.RunPython(create, delete)
