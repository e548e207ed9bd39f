"""The city-to-city agreements the C3P guidebook names (FY2024 edition, March 2025; BOX 8,
seed ``000_79b664c41ab51d70.txt`` L704–L716): reference data, loaded by
``manage.py c3p_load_partnerships`` (``services.partnership.partnerships_load_reference``),
idempotently. The guidebook gives each date to the month only (``precision = "month"``) and, for
a renewal, not the original signing. The organisations are the same rows the demo's
``PARTNERSHIPS`` list creates (name and country)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

SOURCE = "C3P guidebook FY2024, BOX 8"


@dataclass(frozen=True)
class ReferencePartnership:
    japanese_city_ja: str
    japanese_city_en: str
    partner_city: str
    country: str
    kind: str  # CollaborationAgreement.Kind
    title: str
    event: str  # signed or renewed
    month: dt.date  # the first of the month the guidebook gives
    line: int  # where in the seed
    note: str = ""


PARTNERSHIPS: tuple[ReferencePartnership, ...] = (
    ReferencePartnership(
        "大阪市",
        "Osaka City",
        "Ho Chi Minh City",
        "VN",
        "mou",
        "Memorandum of understanding on the formation of a decarbonised and low-carbon city",
        "renewed",
        dt.date(2021, 3, 1),
        709,
    ),
    ReferencePartnership(
        "大阪市",
        "Osaka City",
        "Quezon City",
        "PH",
        "mou",
        "Memorandum of cooperation for environmental partnership",
        "renewed",
        dt.date(2021, 8, 1),
        710,
    ),
    ReferencePartnership(
        "大阪市",
        "Osaka City",
        "Eastern Economic Corridor (EEC)",
        "TH",
        "mou",
        "Memorandum of understanding on cooperation on the formation of a decarbonised society "
        "with the aim of achieving Thailand 4.0",
        "signed",
        dt.date(2022, 2, 1),
        711,
    ),
    ReferencePartnership(
        "愛媛県",
        "Ehime Prefecture",
        "Ben Tre Province",
        "VN",
        "mou",
        "Memorandum of understanding on economic cooperation",
        "signed",
        dt.date(2022, 8, 1),
        714,
    ),
    ReferencePartnership(
        "浦添市",
        "Urasoe City",
        "Airai State",
        "PW",
        "mou",
        "Memorandum of understanding on cooperation for regional environmental conservation",
        "signed",
        dt.date(2024, 8, 1),
        715,
    ),
    ReferencePartnership(
        "北九州市",
        "Kitakyushu City",
        "Ramky Group (Telangana)",
        "IN",
        "other",
        "Comprehensive collaboration on promotion of international environmental business projects",
        "signed",
        dt.date(2023, 9, 1),
        716,
        note="The counterpart is a company (Ramky Group); the partner city is in Telangana "
        "State, a candidate site for an eco-town in India (BOX 8).",
    ),
)
