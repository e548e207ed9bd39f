"""The C3P project's pages as people use them: bad input refused on the form with the guidebook's
place and what would be right, in the page's language, and nothing typed lost; the office's
dashboard with its budget line and its export."""

from __future__ import annotations

import datetime as dt

import pytest
from c3pfactories_project import adopted_proposal, cast, contracted_year, plan
from django.test import Client
from django.urls import reverse

from renkei.c3p.models import C3pActivity, C3pSettlement
from renkei.c3p.services.project import c3p_project_create
from renkei.calls.models import Call

pytestmark = pytest.mark.django_db


def _client(user, lang: str = "en") -> Client:
    client = Client(headers={"Accept-Language": lang})
    client.force_login(user)
    return client


@pytest.fixture
def world(settings):
    people = cast()
    proposal = adopted_proposal(people, settings)
    return people, c3p_project_create(actor=people.office, proposal=proposal)


def test_a_contract_above_the_cap_comes_back_as_typed(world) -> None:
    people, project = world
    plan(people, project.years.get())
    url = reverse("c3p:project_contract", args=[project.pk])
    typed = {
        "amount_jpy": "20000001",
        "field_survey_addition_jpy": "0",
        "field_survey_tasks": "",
        "reduction_reason": "Travel reduced after review",
        "signed_on": "2025-07-01",
    }
    page = _client(people.office).post(url, typed)
    body = page.content.decode()
    assert page.status_code == 200
    assert "exceeds the cap of JPY 20,000,000 by JPY 1 (3.3 (3))" in body
    assert 'value="20000001"' in body and "Travel reduced after review" in body
    ja = _client(people.office, "ja").post(url, typed).content.decode()
    assert "上限20,000,000円を1円超えています" in ja
    assert project.years.get().state == "plan_submitted"


def test_wrong_category_and_dates_outside_the_year_are_refused_as_typed(world) -> None:
    people, project = world
    contracted_year(people, project.years.get())
    client = _client(people.lead)
    lines = {
        "line-TOTAL_FORMS": "2",
        "line-INITIAL_FORMS": "0",
        "kind": "interim",
        "line-0-category": "equipment",
        "line-0-description": "Tablet for surveys",
        "line-0-amount_jpy": "150000",
        "line-0-unit_price_jpy": "150000",
        "line-1-category": "overseas_travel",
        "line-1-description": "Trip to Ben Tre",
        "line-1-amount_jpy": "800000",
        "line-1-spent_on": "2026-04-02",
    }
    page = client.post(reverse("c3p:project_settlement", args=[project.pk]), lines)
    body = page.content.decode()
    assert page.status_code == 200
    assert "it belongs in consumables, not equipment (Table 5" in body
    assert "outside the FY2025 contract year (2025-04-01 – 2026-03-31)" in body
    assert "Tablet for surveys" in body and 'value="2026-04-02"' in body
    assert not C3pSettlement.objects.exists()
    activity = {"item": "4", "title": "Field survey in Ben Tre", "held_on": "2026-04-01"}
    page = client.post(reverse("c3p:project_activity", args=[project.pk]), activity)
    assert "give a date from 2025-04-01 to 2026-03-31" in page.content.decode()
    assert "Field survey in Ben Tre" in page.content.decode()
    assert not C3pActivity.objects.exists()
    # the outsourcing share over half is flagged, not refused
    over = {
        "line-TOTAL_FORMS": "2",
        "line-INITIAL_FORMS": "0",
        "kind": "interim",
        "line-0-category": "personnel",
        "line-0-description": "Staff",
        "line-0-amount_jpy": "100000",
        "line-1-category": "outsourcing",
        "line-1-description": "Consultant",
        "line-1-amount_jpy": "200000",
    }
    page = client.post(reverse("c3p:project_settlement", args=[project.pk]), over, follow=True)
    assert "above the general limit of 50% (Table 5, Outsourcing costs)" in page.content.decode()
    assert C3pSettlement.objects.get().flagged


def test_the_dashboard_shows_amounts_against_the_budget_and_exports(world) -> None:
    people, project = world
    contracted_year(people, project.years.get())
    Call.objects.filter(program="c3p").update(budget_jpy=50_000_000)
    client = _client(people.office)
    page = client.get(reverse("c3p:project_list")).content.decode()
    assert "FY2025" in page and "18000000" in page and "32000000" in page
    csv = client.get(reverse("c3p:project_list") + "?export=csv")
    assert csv.status_code == 200 and "18000000" in csv.content.decode("utf-8-sig")
    filtered = client.get(reverse("c3p:project_list") + "?phase=3").content.decode()
    assert "is not a phase" in filtered
    assert (
        client.get(reverse("c3p:project_list") + "?country=KE")
        .content.decode()
        .count(reverse("c3p:project_detail", args=[project.pk]))
        == 0
    )
    # the lead sees its own project in the list, without the budget
    lead = _client(people.lead).get(reverse("c3p:project_list")).content.decode()
    assert reverse("c3p:project_detail", args=[project.pk]) in lead
    assert "Contract amounts against the budget" not in lead


def test_table_3_done_against_expected(world) -> None:
    from renkei.c3p import selectors_project as selectors
    from renkei.c3p.services.project import c3p_activity_record

    people, project = world
    year = contracted_year(people, project.years.get())  # signed 2025-07-01
    for day in ("2025-07-10", "2025-10-10"):
        c3p_activity_record(
            actor=people.lead,
            year=year,
            item="3",
            title=f"Session {day}",
            held_on=dt.date.fromisoformat(day),
        )
    rows = {r.item: r for r in selectors.table3(year)}
    assert (rows["3"].done, rows["3"].expected, rows["3"].below) == (2, 3, True)
    assert rows["2"].expected == 9  # July to March
    assert (rows["5"].expected, rows["5"].done) == (1, 0)
    page = _client(people.lead).get(reverse("c3p:project_detail", args=[project.pk]))
    assert "Table 3: planned, done and expected this year" in page.content.decode()


def test_a_suspension_on_the_page_then_the_last_settlement_and_the_close(world) -> None:
    people, project = world
    contracted_year(people, project.years.get())
    office, lead = _client(people.office), _client(people.lead)
    change = reverse("c3p:project_change", args=[project.pk])
    page = office.post(change, {"kind": "suspension", "reason": ""})
    assert "Record the reason for the suspension or reduction (3.3 (3)" in page.content.decode()
    office.post(change, {"kind": "suspension", "reason": "The partner city withdrew."})
    assert project.years.get().state == "suspended"
    body = lead.get(reverse("c3p:project_detail", args=[project.pk])).content.decode()
    assert reverse("c3p:project_settlement", args=[project.pk]) in body
    assert reverse("c3p:project_activity", args=[project.pk]) not in body
    lines = {
        "line-TOTAL_FORMS": "1",
        "line-INITIAL_FORMS": "0",
        "kind": "final",
        "line-0-category": "personnel",
        "line-0-description": "Staff until the suspension",
        "line-0-amount_jpy": "1000000",
    }
    lead.post(reverse("c3p:project_settlement", args=[project.pk]), lines)
    assert C3pSettlement.objects.get().total_incl_tax_jpy == 1_100_000
    office.post(reverse("c3p:project_close", args=[project.pk]))
    project.refresh_from_db()
    assert project.ended_at is not None and project.years.get().state == "closed"
    body = office.get(reverse("c3p:project_detail", args=[project.pk])).content.decode()
    assert reverse("c3p:project_renew", args=[project.pk]) not in body  # the period has ended
