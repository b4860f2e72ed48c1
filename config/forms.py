"""Form fields shared by every page filter (portal journal, staff dashboards, payout exports).

A date typed into a filter is kept between FIRST_DAY and LAST_DAY: nothing in PropDesk happens
before 2000-01-01 (imports refuse earlier times, imports.window) and a day past 2100 is a typo;
without the bound, `date.max` plus one day raised OverflowError (a 500) in every range query.
"""

from __future__ import annotations

import datetime as dt

from django import forms
from django.core.validators import MaxValueValidator, MinValueValidator
from django.http import HttpResponseBadRequest

FIRST_DAY = dt.date(2000, 1, 1)
LAST_DAY = dt.date(2100, 12, 31)
OUT_OF_RANGE = f"Choose a date from {FIRST_DAY:%Y-%m-%d} to {LAST_DAY:%Y-%m-%d}."


class FilterDateField(forms.DateField):
    """An optional date between FIRST_DAY and LAST_DAY."""

    def __init__(self, **kwargs) -> None:
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)
        self.validators = [
            *self.validators,
            MinValueValidator(FIRST_DAY, message=OUT_OF_RANGE),
            MaxValueValidator(LAST_DAY, message=OUT_OF_RANGE),
        ]


def filter_errors_response(form: forms.Form) -> HttpResponseBadRequest:
    """400 for a download whose filters are invalid: a file of some other range than the one
    asked for would be worse than none. One line per field: `field: message`."""
    lines = [
        f"{field}: {message}" for field, messages in form.errors.items() for message in messages
    ]
    return HttpResponseBadRequest(
        "Invalid filter:\n" + "\n".join(lines) + "\n", content_type="text/plain; charset=utf-8"
    )
