"""Celery application: `celery -A config worker` / `celery -A config beat`.

With no broker configured (the embedded demo), settings turn on `task_always_eager`,
so every `.delay()` runs in-process.
"""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("propdesk")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@app.task(name="propdesk.ping")
def ping() -> str:
    """Health probe used by tests and the health check."""
    return "pong"
