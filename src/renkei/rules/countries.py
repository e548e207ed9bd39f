"""Country codes: ISO 3166-1 alpha-2, checked against the ISO list (pycountry)."""

from __future__ import annotations

from functools import cache

import pycountry

from renkei.errors import UnknownChoice


@cache
def iso_codes() -> frozenset[str]:
    return frozenset(c.alpha_2 for c in pycountry.countries)


def validate_country(code: str) -> str:
    if code not in iso_codes():
        raise UnknownChoice("country (ISO 3166-1 alpha-2)", code, iso_codes())
    return code


def country_name_en(code: str) -> str:
    c = pycountry.countries.get(alpha_2=code)
    return getattr(c, "common_name", None) or c.name if c else code
