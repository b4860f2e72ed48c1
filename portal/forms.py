"""The trade journal's filter form (GET): symbol, side, close-date range, sort."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from django import forms

from config.forms import FilterDateField
from evaluations.models import Side
from portal.selectors import DEFAULT_JOURNAL_SORT, JOURNAL_SORTS

SORT_CHOICES = [(key, key) for key in JOURNAL_SORTS] + [(f"-{key}", key) for key in JOURNAL_SORTS]


class JournalFilterForm(forms.Form):
    symbol = forms.ChoiceField(required=False, label="Symbol")
    side = forms.ChoiceField(
        required=False, label="Side", choices=[("", "Any side"), *Side.choices]
    )
    date_from = FilterDateField(
        label="Closed from",
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text="Your local date",
    )
    date_to = FilterDateField(
        label="Closed to",
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text="Inclusive",
    )
    sort = forms.ChoiceField(required=False, choices=SORT_CHOICES, widget=forms.HiddenInput)

    def __init__(self, *args, symbols: list[str], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["symbol"].choices = [("", "All symbols")] + [(s, s) for s in symbols]

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("date_from"), cleaned.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", "The end date is before the start date.")
        return cleaned

    def filters(self, tz: ZoneInfo) -> dict:
        """Keyword arguments for `selectors.journal_trades`; dates are whole local days."""
        self.is_valid()  # keeps the valid fields in cleaned_data even if another is wrong
        data = getattr(self, "cleaned_data", {})
        closed_from = closed_before = None
        if data.get("date_from"):
            closed_from = dt.datetime.combine(data["date_from"], dt.time(), tzinfo=tz)
        if data.get("date_to"):
            next_day = data["date_to"] + dt.timedelta(days=1)
            closed_before = dt.datetime.combine(next_day, dt.time(), tzinfo=tz)
        return {
            "symbol": data.get("symbol") or "",
            "side": data.get("side") or "",
            "closed_from": closed_from,
            "closed_before": closed_before,
            "sort": data.get("sort") or DEFAULT_JOURNAL_SORT,
        }
