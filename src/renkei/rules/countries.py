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
        raise UnknownChoice("country (ISO 3166-1 alpha-2)", code, iso_codes(), _suggest(code))
    return code


def _suggest(given: str) -> str:
    """A country code for a name or alpha-3 code the user typed instead ('Vietnam' → VN)."""
    try:
        found = pycountry.countries.lookup(given.strip())
    except LookupError:
        matches = pycountry.countries.search_fuzzy(given) if len(given) > 3 else []
        found = matches[0] if matches else None
    except Exception:  # pragma: no cover - pycountry raises plain errors on odd input
        found = None
    if found is None:
        return ""
    return f"{found.alpha_2} ({getattr(found, 'common_name', None) or found.name})"


def country_name_en(code: str) -> str:
    c = pycountry.countries.get(alpha_2=code)
    return getattr(c, "common_name", None) or c.name if c else code
