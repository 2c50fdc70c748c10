"""Figures of the item-analysis pages: a percentage with its sign, or "n/a".

The pages show thousands of figures (a final assessment's analysis covers hundreds of
questions); ``floatformat`` goes through Decimal and localisation for each, which made the
page's rendering most of its time. Plain formatting rounds the same way to the eye.
"""

from __future__ import annotations

from django import template

register = template.Library()


@register.filter
def percent(value, places: int = 1) -> str:
    """``66.6667|percent`` is "66.7 %", ``33.3|percent:0`` is "33 %"; None is "n/a"."""
    if value is None:
        return "n/a"
    return f"{float(value):.{int(places)}f} %"
