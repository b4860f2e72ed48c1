"""Settings of bench/live.py's servers: the production settings, with the email handed to a
recording backend (bench/mail_clock.py) and static files of the run's own directory."""

import os

from config.settings import *  # noqa: F403

EMAIL_BACKEND = "mail_clock.EmailBackend"
STATIC_ROOT = os.environ["PROPDESK_LIVE_RUN_DIR"] + "/static"
