"""Template filters of the portal's trading pages."""

from django import template

from portal.statistics import format_duration

register = template.Library()


@register.filter
def holding_time(value):
    """A timedelta as "3 h 05 min" (`portal.statistics.format_duration`)."""
    return format_duration(value)
