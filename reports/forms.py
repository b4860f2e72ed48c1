"""The filters every dashboard shares: a date range (whole UTC days) and a program."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.utils import timezone

from config.forms import FilterDateField
from evaluations.models import Program

from .selectors import ReportFilter

MAX_SPAN = dt.timedelta(days=10 * 366)


class DateInput(forms.DateInput):
    input_type = "date"


class ReportFilterForm(forms.Form):
    start = FilterDateField(widget=DateInput, label="From")
    end = FilterDateField(widget=DateInput, label="To")
    program = forms.ModelChoiceField(
        queryset=Program.objects.order_by("name"), required=False, empty_label="All programs"
    )

    def __init__(self, data=None, *, default_days: int = 30, **kwargs):
        """`default_days`: the range when none is given ends today (UTC) and spans this many
        days (1 = today only)."""
        self.default_days = default_days
        super().__init__(data, **kwargs)

    def default_range(self) -> tuple[dt.date, dt.date]:
        today = timezone.now().astimezone(dt.UTC).date()
        return today - dt.timedelta(days=self.default_days - 1), today

    def clean(self):
        cleaned = super().clean()
        default_start, default_end = self.default_range()
        start = cleaned.get("start") or default_start
        end = cleaned.get("end") or max(default_end, start)
        if start > end:
            raise forms.ValidationError("The start date must not be after the end date.")
        if end - start > MAX_SPAN:
            raise forms.ValidationError("Choose a range of at most ten years.")
        cleaned["start"], cleaned["end"] = start, end
        return cleaned

    def report_filter(self) -> ReportFilter:
        """The filter the form describes, or the default range over all programs when the
        input is invalid (the page shows the errors beside the defaults it used)."""
        if self.is_valid():
            data = self.cleaned_data
            program_id = data["program"].pk if data["program"] else None
            return ReportFilter(data["start"], data["end"], program_id)
        return ReportFilter(*self.default_range())
