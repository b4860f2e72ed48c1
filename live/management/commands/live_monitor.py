"""`python manage.py live_monitor`: run a live-risk monitor process until SIGTERM or Ctrl-C.

Run as many as you like, on as many machines: they share the shards through Redis leases
(docs/live-risk.md). A killed process's shards are taken over when its leases run out.
"""

import logging
import signal

from django.core.management.base import BaseCommand

from live.monitor import Monitor


class Command(BaseCommand):
    help = "Run a live-risk monitor: evaluate the bridges' equity ticks as they arrive."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--name", help="this process's id in the leases (default host:pid)")
        parser.add_argument(
            "--batch",
            type=int,
            default=100,
            help="stream entries per read and shard (one entry: a request's items of the shard); "
            "a batch must take well under a lease (LIVE_LEASE_MS)",
        )

    def handle(self, *args, **options) -> None:
        logging.basicConfig(level=logging.INFO)
        stopping = []
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, lambda *_: stopping.append(True))
        monitor = Monitor(name=options["name"], count=options["batch"])
        self.stdout.write(f"live monitor {monitor.id} running")
        monitor.run(stop=lambda: bool(stopping))
        self.stdout.write(f"live monitor {monitor.id} stopped after {monitor.processed} items")
