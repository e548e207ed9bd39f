"""The partnership and matching demo steps (renkei.c3p.demo_partnership) on this part's own
fixtures: they drive the services, and a second run changes nothing."""

from __future__ import annotations

import pytest
from c3pfactories_partnership import c3p_draft, org, person

from renkei.accounts.models import Organisation, Role
from renkei.c3p import demo_partnership as demo
from renkei.c3p.models import CityPartnership, LetterOfInterest, Need, Solution

pytestmark = pytest.mark.django_db


def test_the_demo_steps_are_idempotent() -> None:
    office = person(Role.OFFICE)
    municipality = person(Role.APPLICANT, org("サンプル市", Organisation.Kind.MUNICIPALITY, "JP"))
    company = person(
        Role.APPLICANT, org("サンプル・エンジニアリング株式会社", Organisation.Kind.COMPANY, "JP")
    )
    proposal = c3p_draft(company)
    for run in range(2):
        assert demo.load_reference_partnerships() == (22 if run == 0 else 0)
        partner = demo.sample_partner_city_user()
        p = demo.sample_partnership(
            office=office, municipality=municipality, partner_city_user=partner
        )
        linked = demo.link_sample_proposal(
            applicant=company, proposal=proposal, partnership_=p, municipality=municipality
        )
        suggestions = demo.sample_matching(
            partner_city_user=partner, municipality=municipality, company=company
        )
        assert CityPartnership.objects.count() == 7
        assert LetterOfInterest.objects.count() == 2
        assert Need.objects.count() == 1 and Solution.objects.count() == 2
        proposal.refresh_from_db()
    assert linked.c3p_partnership == p
    assert proposal.document["partner_city"]["letter_japanese_translation"] is True
    assert proposal.document["agreement"]["status"] == "concluded"
    # the company first (its country and JCM experience), then the municipality (the
    # partnership with the partner city)
    assert [s.organisation for s, _ in suggestions] == [
        company.organisation,
        municipality.organisation,
    ]
    assert {r.code for r in suggestions[0][1].reasons} >= {"country", "jcm_experience"}
    assert "partnership" in {r.code for r in suggestions[1][1].reasons}
    assert p.partner_city.sample and CityPartnership.objects.get(pk=p.pk).sample
