"""An email backend for bench/live.py: records when each message is handed over, sends nothing.

Each message becomes one JSON line `{"t": epoch seconds, "subject": …, "to": […]}` appended to
the file named by PROPDESK_MAIL_CLOCK: the moment the project's code gave the message to the
mail backend, which is where a tick's way to an email ends for the benchmark.
"""

from __future__ import annotations

import json
import os
import time

from django.core.mail.backends.base import BaseEmailBackend


class EmailBackend(BaseEmailBackend):
    def send_messages(self, email_messages) -> int:
        now = time.time()
        lines = [
            json.dumps({"t": now, "subject": m.subject, "to": list(m.to)}) + "\n"
            for m in email_messages
        ]
        with open(os.environ["PROPDESK_MAIL_CLOCK"], "a") as clock:
            clock.write("".join(lines))
        return len(lines)
