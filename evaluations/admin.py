"""Admin for programs, phases, rule sets, accounts, trades."""

from . import admin_imports  # noqa: F401
