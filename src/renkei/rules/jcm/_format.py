"""How numbers read in messages: thousands separators, never scientific notation.

``Decimal("1E+3")`` prints as ``1E+3`` with ``str`` and ``format(..., ",")``; a program officer
must read ``1,000``.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal


def num(value: Decimal | int) -> str:
    """1000 → '1,000'; Decimal('1E+3') → '1,000'; Decimal('0.40') → '0.4'."""
    if isinstance(value, Decimal):
        return format(value.normalize(), ",f")
    return f"{value:,}"


def plain(value: Decimal) -> Decimal:
    """The same value written without an exponent, so ``str`` never gives '1E+3'."""
    return Decimal(format(value, "f"))


def over_limit(value: Decimal, limit: int, places: int = 2) -> str:
    """A ratio known to exceed ``limit``, shown with as many decimals as it takes to differ
    from the limit (4,000.0001 → '4,000.0001', never '4,000.00')."""
    for n in range(places, 13):
        shown = value.quantize(Decimal(1).scaleb(-n), rounding=ROUND_HALF_UP)
        if shown > limit:
            return f"{shown:,}"
    return f"{value:,f}"
