"""Factories of the C3P partnership and matching parts: the cast (the office, a Japanese
municipality's applicant, a partner city's applicant, a company's applicant who leads a C3P
proposal, an outsider and the other roles), a partnership with its agreement, and small
uploaded files."""

from __future__ import annotations

import itertools
from types import SimpleNamespace

from django.core.files.uploadedfile import SimpleUploadedFile

from renkei.accounts.models import Organisation, Role, User
from renkei.c3p.models import CityPartnership, CollaborationAgreement

_seq = itertools.count(1)
PDF = b"%PDF-1.4\n% a letter\n"


def person(role: str, organisation: Organisation | None = None, **kw) -> User:
    n = next(_seq)
    name = kw.pop("username", f"c3pp{n}-{role}")
    return User.objects.create_user(
        username=name,
        email=f"{name}@example.org",
        password="pw-for-tests-1",
        role=role,
        organisation=organisation,
        **kw,
    )


def org(name: str, kind: str, country: str) -> Organisation:
    return Organisation.objects.get_or_create(
        name=name, country=country, defaults=dict(name_en=name, kind=kind)
    )[0]


def pdf(name: str = "letter.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PDF, content_type="application/pdf")


def cast() -> SimpleNamespace:
    """Everyone the partnership and matching tests need, and one partnership (Sample City –
    Sample Partner City, VN) with a signed MOU."""
    city = org("サンプル市", Organisation.Kind.MUNICIPALITY, "JP")
    partner = org("Sample Partner City", Organisation.Kind.PARTNER_CITY, "VN")
    company = org("サンプル・エンジニアリング株式会社", Organisation.Kind.COMPANY, "JP")
    other_city = org("Other Partner City", Organisation.Kind.PARTNER_CITY, "PH")
    partnership = CityPartnership.objects.create(japanese_city=city, partner_city=partner)
    import datetime as dt

    CollaborationAgreement.objects.create(
        partnership=partnership,
        kind="mou",
        title="MOU on a low-carbon city",
        event="signed",
        signed_on=dt.date(2022, 4, 1),
    )
    return SimpleNamespace(
        city=city,
        partner=partner,
        company=company,
        other_city=other_city,
        partnership=partnership,
        office=person(Role.OFFICE),
        municipality=person(Role.APPLICANT, city),
        partner_user=person(Role.APPLICANT, partner),
        company_user=person(Role.APPLICANT, company),
        outsider=person(Role.APPLICANT, other_city),
        reviewer=person(Role.REVIEWER),
        secretariat=person(Role.SECRETARIAT),
        joint_committee=person(Role.JOINT_COMMITTEE, country="VN"),
        verifier=person(Role.VERIFIER, org("検証機関", Organisation.Kind.TPE, "JP")),
    )


def c3p_draft(applicant: User, title: str = "Sample C3P proposal"):
    """A C3P draft of ``applicant``'s organisation, in a round of the FY2025 call."""
    from webfactories import c3p_round

    from renkei.calls.models import Round
    from renkei.proposals import services

    round_ = Round.objects.filter(call__rulebook_id="c3p/fy2025").first() or c3p_round()
    return services.proposal_create(actor=applicant, round=round_, title=title, country="VN")


def world() -> SimpleNamespace:
    """The cast with a letter of interest from the Japanese municipality, the company's C3P
    draft, a need of the partner city, a solution of the company and the company's contact
    request about the need (for the permission matrices and the browser walk)."""
    import datetime as dt

    from renkei.c3p.services import matching, partnership

    c = cast()
    c.letter = partnership.letter_add(
        actor=c.municipality,
        partnership=c.partnership,
        side="japanese_city",
        signatory="Mayor of Sample City",
        dated=dt.date(2025, 1, 10),
        upload=pdf(),
    )
    c.proposal = c3p_draft(c.company_user)
    c.need = matching.need_publish(
        actor=c.partner_user,
        sector="energy_efficiency",
        title="Efficient street lighting",
        problem="Old street lighting wastes electricity.",
    )
    c.solution = matching.solution_publish(
        actor=c.company_user,
        title="LED street lighting",
        sectors=["energy_efficiency"],
        technology="LED lamps with dimming",
        countries=["VN"],
    )
    c.contact = matching.contact_request(
        actor=c.company_user, record=c.need, message="Can we talk?"
    )
    return c


ROLES = [
    "anonymous",
    "office",
    "municipality",  # an applicant of the partnership's Japanese municipality
    "partner",  # an applicant of the partnership's partner city (publishes needs)
    "company",  # an applicant of a company: leads the C3P draft, publishes a solution
    "outsider",  # an applicant of another partner city
    "reviewer",
    "secretariat",
    "joint_committee",
    "verifier",
]


def people(c: SimpleNamespace) -> dict[str, User | None]:
    return {
        "anonymous": None,
        "office": c.office,
        "municipality": c.municipality,
        "partner": c.partner_user,
        "company": c.company_user,
        "outsider": c.outsider,
        "reviewer": c.reviewer,
        "secretariat": c.secretariat,
        "joint_committee": c.joint_committee,
        "verifier": c.verifier,
    }
