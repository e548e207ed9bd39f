"""Demo steps of the C3P partnership and matching parts (issue 11), for the demo command to
compose: each drives this part's services and is idempotent (it checks whether it is done).

- ``load_reference_partnerships()``: the guidebook's partnerships (BOX 8), real data;
- ``sample_partnership(office=, municipality=, partner_city_user=)``: the sample municipality
  (サンプル市) and a sample partner city with an MOU and both letters of interest (the partner
  city's with its Japanese translation);
- ``sample_partner_city_user(username=)``: a login of the sample partner city (a new sample
  organisation's first member: nobody else's organisation is joined);
- ``link_sample_proposal(applicant=, proposal=, partnership_=, municipality=)``: a C3P
  proposal's representative asks to name it and the municipality confirms (its consent);
- ``sample_matching(partner_city_user=, municipality=, company=)``: a need of the partner city
  and two solutions (the municipality's and the company's), returning the suggestions.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile

from renkei.accounts.models import Organisation, Role, User
from renkei.c3p.models import CityPartnership, Need, Solution
from renkei.c3p.services import matching, partnership

__all__ = [
    "link_sample_proposal",
    "load_reference_partnerships",
    "sample_matching",
    "sample_partner_city_user",
    "sample_partnership",
]

PARTNER_CITY = ("Sample Partner City", "VN")
SAMPLE_PDF = b"%PDF-1.4\n% Sample letter of interest (demo data)\n%%EOF\n"


def load_reference_partnerships() -> int:
    return partnership.partnerships_load_reference()


def _partner_city() -> Organisation:
    name, country = PARTNER_CITY
    return Organisation.objects.get_or_create(
        name=name,
        country=country,
        defaults=dict(name_en=name, kind=Organisation.Kind.PARTNER_CITY, sample=True),
    )[0]


def sample_partner_city_user(*, username: str = "partner-city", password: str = "") -> User:
    user = User.objects.filter(username=username).first()
    if user is None:
        user = User.objects.create_user(
            username=username,
            email=f"{username}@example.org",
            password=password or f"renkei-demo-{username}",
            role=Role.APPLICANT,
            organisation=_partner_city(),
        )
    return user


def _pdf(name: str) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, SAMPLE_PDF, content_type="application/pdf")


def sample_partnership(
    *, office: User, municipality: User, partner_city_user: User
) -> CityPartnership:
    """The sample municipality (the ``municipality`` login's organisation) and the sample partner
    city, an MOU signed 2023-04-01 (sample) and both letters of interest."""
    abroad = partner_city_user.organisation
    p = CityPartnership.objects.filter(
        japanese_city=municipality.organisation, partner_city=abroad
    ).first()
    if p is None:
        p = partnership.partnership_create(
            actor=office,
            japanese_city=municipality.organisation,
            partner_city=abroad,
            note="Sample data.",
        )
        CityPartnership.objects.filter(pk=p.pk).update(sample=True)
    if not p.agreements.exists():
        partnership.agreement_record(
            actor=municipality,
            partnership=p,
            kind="mou",
            title="Memorandum of understanding on a low-carbon city (sample)",
            event="signed",
            signed_on=dt.date(2023, 4, 1),
        )
    if not p.letters.filter(side="japanese_city").exists():
        partnership.letter_add(
            actor=municipality,
            partnership=p,
            side="japanese_city",
            signatory="サンプル市長",
            dated=dt.date(2025, 1, 15),
            upload=_pdf("letter-of-interest-sample-city.pdf"),
        )
    if not p.letters.filter(side="partner_city").exists():
        partnership.letter_add(
            actor=partner_city_user,
            partnership=p,
            side="partner_city",
            signatory="Mayor of Sample Partner City",
            dated=dt.date(2025, 1, 20),
            upload=_pdf("letter-of-interest-partner-city.pdf"),
            translation=_pdf("letter-of-interest-partner-city-ja.pdf"),
        )
    return p


def link_sample_proposal(
    *, applicant: User, proposal: Any, partnership_: CityPartnership, municipality: User
) -> Any:
    """The representative asks to name the partnership and a member of its Japanese
    municipality confirms (idempotent: a proposal that names it already is left alone)."""
    if proposal.c3p_partnership_id == partnership_.pk:
        return proposal
    asked = partnership.partnership_link_proposal(
        actor=applicant, proposal=proposal, partnership=partnership_
    )
    link = asked.c3p_partnership_link
    if link.state == link.State.REQUESTED:
        partnership.partnership_link_confirm(actor=municipality, link=link)
    asked.refresh_from_db()
    return asked


def sample_matching(
    *, partner_city_user: User, municipality: User, company: User
) -> list[tuple[Solution, Any]]:
    """A need of the sample partner city and two solutions that fit it; returns the need's
    suggestions (both solutions: the company's first, for its base in the country and its JCM
    experience, then the municipality's, which shares the partnership)."""
    need = Need.objects.filter(
        organisation=partner_city_user.organisation, title="Energy-efficient street lighting"
    ).first()
    if need is None:
        need = matching.need_publish(
            actor=partner_city_user,
            sector="energy_efficiency",
            title="Energy-efficient street lighting",
            problem="Old sodium street lighting in the city centre wastes electricity and "
            "fails often; the city wants to cut its electricity bill and CO2.",
            scale="About 12,000 street lamps",
        )
        Need.objects.filter(pk=need.pk).update(sample=True)
    solutions = [
        (
            municipality,
            dict(
                title="Street lighting retrofit programme of a Japanese city",
                sectors=["energy_efficiency"],
                technology="How the city replaced its street lighting with LED: procurement, "
                "ESCO contracts and monitoring of the electricity saved.",
                experience="City-wide retrofit of 30,000 lamps (sample).",
            ),
        ),
        (
            company,
            dict(
                title="LED street lighting with dimming control",
                sectors=["energy_efficiency", "digital"],
                technology="LED street lighting with remote dimming control.",
                past_projects="LED street lighting in Southeast Asia (sample).",
                countries=["VN", "TH"],
                jcm_experience=True,
            ),
        ),
    ]
    for actor, values in solutions:
        if not Solution.objects.filter(
            organisation=actor.organisation, title=values["title"]
        ).exists():
            made = matching.solution_publish(actor=actor, **values)
            Solution.objects.filter(pk=made.pk).update(sample=True)
    return matching.suggestions_for(need)
