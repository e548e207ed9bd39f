"""The C3P project through the REST API: the same services and refusals as the pages, the
refusal's guidebook place in ``detail`` and every reason in ``errors``, findings rendered in the
request's language, the dashboard's rows and budgets for the office."""

from __future__ import annotations

import pytest
from c3pfactories_project import adopted_proposal, cast
from test_api import client_for, post_json

from renkei.calls.models import Call

pytestmark = pytest.mark.django_db


def test_a_year_through_the_api(settings) -> None:
    people = cast()
    proposal = adopted_proposal(people, settings)
    office, lead = client_for(people.office), client_for(people.lead)
    created = post_json(office, "/api/c3p/projects", {"proposal_id": proposal.pk})
    assert created.status_code == 201, created.content
    project = created.json()
    assert project["proposal_id"] == proposal.pk and project["years"][0]["state"] == "planning"
    base = f"/api/c3p/projects/{project['id']}"
    plan = {
        "overview": "o",
        "methods": "m",
        "structure": "s",
        "timeline": "t",
        "requested_jpy": 25_000_001,
    }
    refused = post_json(lead, base + "/plan", plan)
    assert refused.status_code == 422 and "25,000,000" in refused.json()["detail"]
    assert post_json(lead, base + "/plan", {**plan, "requested_jpy": 19_000_000}).status_code == 200
    over = post_json(
        office, base + "/contract", {"amount_jpy": 25_000_001, "signed_on": "2025-07-01"}
    )
    body = over.json()
    assert over.status_code == 422 and "(3.3 (3);" in body["detail"]
    assert body["errors"] == [body["detail"]] and "by JPY 5,000,001" in body["detail"]
    signed = post_json(
        office,
        base + "/contract",
        {"amount_jpy": 17_000_000, "signed_on": "2025-07-01", "reduction_reason": "review"},
    )
    year = signed.json()["years"][0]
    assert year["state"] == "contracted" and year["contract_amount_jpy"] == 17_000_000
    assert any("reduced by JPY 2,000,000" in f["message"] for f in year["contract_findings"])
    lines = [
        {"category": "personnel", "description": "Staff", "amount_jpy": 1_000_000},
        {
            "category": "joint_implementation",
            "description": "Co-implementer",
            "amount_jpy": 1_500_000,
        },
    ]
    filed = post_json(lead, base + "/settlements", {"kind": "interim", "lines": lines})
    settlement = filed.json()["years"][0]["settlements"][0]
    assert settlement["flagged"] and settlement["total_incl_tax_jpy"] == 2_750_000
    wrong = post_json(
        lead,
        base + "/settlements",
        {"kind": "interim", "lines": [{**lines[0], "category": "entertainment"}]},
    )
    assert wrong.status_code == 422 and "not a Table 5 category" in wrong.json()["detail"]
    Call.objects.filter(program="c3p").update(budget_jpy=40_000_000)
    listing = office.get("/api/c3p/projects?phase=1&country=vn").json()
    assert listing["count"] == 1
    assert listing["budgets"] == [
        {
            "fiscal_year": 2025,
            "contracted_jpy": 17_000_000,
            "budget_jpy": 40_000_000,
            "remaining_jpy": 23_000_000,
        }
    ]
    assert lead.get("/api/c3p/projects").json()["budgets"] == []
    assert office.get("/api/c3p/projects?phase=3").status_code == 422
