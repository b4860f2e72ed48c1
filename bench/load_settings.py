"""Settings of bench/load.py's run: the production settings, with what belongs to one run
moved out of what other runs share, so runs can overlap (a developer's and CI's, two helpers'):

- STATIC_ROOT in the run's temporary directory: `collectstatic` never writes into the
  repository, and no run overwrites the manifest another run's gunicorn is serving from;
- the Redis cache under a key prefix of the run: rate-limit and throttle counters (keyed by
  loopback address and user id, the same in every run) are not shared between runs.
"""

import os

from config.settings import *  # noqa: F403
from config.settings import CACHES

STATIC_ROOT = os.environ["PROPDESK_LOAD_STATIC_ROOT"]
CACHES["default"]["KEY_PREFIX"] = os.environ["PROPDESK_LOAD_RUN"]
