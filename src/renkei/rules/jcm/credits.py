"""JCM credits: how an issuance is split among the parties of the allocation agreement.

What the call says (spec §2.6): the credits issued to the Japanese side go to the Government of
Japan's account, "in principle" (2.(1)③, 2.(5)②(カ)); the split itself is agreed in the
Agreement on the Allocation of JCM Credits (様式5, 5.(3)①(ケ)), whose content the call does not
give. The call sets no share and no rounding [GAP, spec §5 A-24].

The arithmetic here is Renkei's rule for turning an agreement's percentages into whole credits
(issue 10; a credit is one tCO2 and is never split): every party gets its exact share
``issued × share / 100``; the Government of Japan's is rounded UP (it is to receive at least its
share), every other party's DOWN, and the credits that remain go one each to the other parties
with the largest fractional remainders (a tie goes to the party listed first), so that the parts
always add up to the issuance exactly. What the office requires of the Government of Japan's
share is not here: it is a setting of the platform, with its source.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from fractions import Fraction
from typing import Any

from renkei.errors import BadInput

GOVERNMENT = "goj"
"""The key of the Government of Japan's share unless the caller names another."""
RULE = (
    "Government of Japan's share rounded up, every other party's rounded down, the remaining "
    "credits one each to the largest remainders (ties: the party listed first); the call sets no "
    "share or rounding (2.(1)③, 2.(5)②(カ), 5.(3)①(ケ) 様式5; spec §5 A-24)"
)
_KEY = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,39}$")
MAX_PARTIES = 50
MAX_ISSUED = 10**12  # tCO2: far above any issuance (Japan's 2040 target is 2×10^8)


@dataclass(frozen=True)
class Allocation:
    issued: int
    government: str
    shares: dict[str, Decimal]  # percent, in the agreement's order
    exact: dict[str, Fraction]  # issued × share / 100
    allocations: dict[str, int]  # whole credits, adding up to ``issued``
    remainder_to: tuple[str, ...]  # the parties that got one of the remaining credits

    def to_dict(self) -> dict[str, Any]:
        return {
            "issued": self.issued,
            "government": self.government,
            "shares_percent": {k: str(v) for k, v in self.shares.items()},
            "exact": {k: _fraction_text(v) for k, v in self.exact.items()},
            "allocations": dict(self.allocations),
            "remainder_to": list(self.remainder_to),
            "rule": RULE,
        }


def _fraction_text(value: Fraction) -> str:
    """A share as a decimal when it is one (``12.5``), else to six places (``3.333333…``)."""
    if value.denominator == 1:
        return str(value.numerator)
    whole = Decimal(value.numerator) / Decimal(value.denominator)
    exact = Fraction(whole) == value
    return format(whole.normalize(), "f") if exact else f"{whole:.6f}…"


def parse_shares(raw: str, option: str = "--shares") -> dict[str, Decimal]:
    """``goj=50,pp1=30,pp2=20`` → {party: percent}, in the order given."""
    shape = "party=percent,… e.g. goj=50,pp1=30,pp2=20 (percent, adding up to 100)"
    out: dict[str, Decimal] = {}
    parts = raw.split(",")
    if len(parts) > MAX_PARTIES:
        raise BadInput(f"{option}: {len(parts)} parties; at most {MAX_PARTIES}")
    for part in parts:
        name, sep, value = part.partition("=")
        name = name.strip()
        if not sep or not name or not value.strip():
            raise BadInput(f"{option}: {part.strip()!r} is not party=percent; write {shape}")
        try:
            out_value = Decimal(value.strip().rstrip("%"))
        except InvalidOperation:
            raise BadInput(
                f"{option}: the share of {name} is {value.strip()!r}, not a number; write {shape}"
            ) from None
        if name in out:
            raise BadInput(f"{option}: {name} is given twice; give each party once")
        out[name] = out_value
    return out


def check_shares(shares: Mapping[str, Decimal], government: str = GOVERNMENT) -> None:
    """Refuses an agreement that cannot be split: each message says what would be right."""
    if not shares:
        raise BadInput("the allocation agreement has no party: give each party's share in percent")
    if len(shares) > MAX_PARTIES:
        raise BadInput(f"the allocation agreement has {len(shares)} parties; at most {MAX_PARTIES}")
    for name, share in shares.items():
        if not isinstance(name, str) or not _KEY.match(name):
            raise BadInput(
                f"party {name!r}: a party is named by 1–40 letters, digits, '_', '.' or '-' "
                "(e.g. goj, pp1)"
            )
        if not isinstance(share, Decimal) or not share.is_finite():
            raise BadInput(f"the share of {name} is {share!r}: give a number of percent")
        if share < 0 or share > 100:
            raise BadInput(f"the share of {name} is {share} %: a share is from 0 to 100 %")
    if government not in shares:
        raise BadInput(
            f"the agreement has no share for the Government of Japan ({government!r}): the "
            "credits issued to the Japanese side go to its account (JCM call 2.(1)③); give "
            f"{government}=<percent>, 0 if it receives none"
        )
    total = sum(shares.values(), Decimal(0))
    if total != 100:
        raise BadInput(
            f"the shares add up to {total.normalize():f} %, not 100 %: "
            + ", ".join(f"{k} {v.normalize():f}" for k, v in shares.items())
        )


def allocate(
    issued: int, shares: Mapping[str, Decimal], *, government: str = GOVERNMENT
) -> Allocation:
    """Splits ``issued`` whole credits by ``shares`` (percent, adding up to 100); see the module."""
    if isinstance(issued, bool) or not isinstance(issued, int):
        raise BadInput(f"the issuance is {issued!r}: give a whole number of credits (tCO2)")
    if issued < 0 or issued > MAX_ISSUED:
        raise BadInput(
            f"the issuance is {issued:,} credits: give a whole number from 0 to {MAX_ISSUED:,}"
        )
    shares = dict(shares)
    check_shares(shares, government)
    exact = {k: Fraction(issued) * Fraction(v) / 100 for k, v in shares.items()}
    parts = {k: math.ceil(e) if k == government else math.floor(e) for k, e in exact.items()}
    remaining = issued - sum(parts.values())
    # remaining >= 0 always: the others' remainders add up to an integer plus the part of a
    # credit the Government's rounding up took (see tests/rules/test_jcm_credits.py)
    order = list(shares)
    others = sorted(
        (k for k in order if k != government),
        key=lambda k: (-(exact[k] - parts[k]), order.index(k)),
    )
    given = tuple(others[:remaining])
    for k in given:
        parts[k] += 1
    return Allocation(issued, government, shares, exact, parts, given)
