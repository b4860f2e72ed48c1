"""Celery application: `celery -A config worker` / `celery -A config beat`.

With no broker configured (the embedded demo), settings turn on `task_always_eager`,
so every `.delay()` runs in-process.
"""

import logging
import os
import reprlib

from celery import Celery
from kombu.exceptions import OperationalError as BrokerUnreachable

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

log = logging.getLogger(__name__)

app = Celery("propdesk")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@app.task(name="propdesk.ping")
def ping() -> str:
    """Health probe used by tests and the health check."""
    return "pong"


def enqueue(task, *args) -> bool:
    """Queue `task(*args)` for a worker; False, with an error logged, if the broker is down.

    For work queued after a request's transaction committed: the data is saved, so a broker
    that cannot be reached must not turn the answer into a 500 (the client would retry what
    succeeded). Callers queue only work that PostgreSQL can re-derive later (see "Redis
    restarts" in docs/deployment.md). Nobody reads the result, so none is subscribed to: with
    Redis down, `.delay()` would first retry the result store for about 20 seconds and then
    raise a RuntimeError; this fails within a second (Celery's publish retry policy).
    """
    try:
        task.apply_async(args, ignore_result=True)
    except BrokerUnreachable as exc:
        name = getattr(task, "name", repr(task))
        log.error("%s%s not queued, the broker is unreachable: %s", name, reprlib.repr(args), exc)
        return False
    return True
