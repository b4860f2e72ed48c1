"""Formatting of staff-table cells by column kind (money, percent, lots, dates…)."""

import datetime as dt

from django import template
from django.urls import reverse
from django.utils.html import format_html

register = template.Library()


@register.filter
def cell(row: dict, column):
    """The display text (or link) of `row[column.key]` for the column's kind."""
    value = row.get(column.key)
    if value is None:
        return "—"
    kind = column.kind
    if kind == "money":
        return f"{value:,.2f}"
    if kind == "percent":
        return f"{value:,.2f} %"
    if kind == "lots":
        return f"{value:,.2f}"
    if kind == "days":
        return f"{value:,.1f}"
    if kind == "month":
        return value.strftime("%b %Y")
    if kind == "datetime" and isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M")
    if kind == "trader" and row.get("trader_id"):
        return format_html(
            '<a href="{}">{}</a>', reverse("reports:trader", args=[row["trader_id"]]), value
        )
    return value


@register.filter
def numeric(column) -> bool:
    return column.kind in ("int", "money", "percent", "lots", "days")
