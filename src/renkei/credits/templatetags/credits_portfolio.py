"""Filters of the credits portfolio pages: tonnes as people read them."""

from __future__ import annotations

from django import template

from renkei.credits.views_portfolio import tco2 as _tco2

register = template.Library()


@register.filter
def tco2(value: object) -> str:
    """12345 → 12,345; 12.5 → 12.500; None → —."""
    return _tco2(value)
