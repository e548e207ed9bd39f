"""The C3P project after adoption through its services (guidebook 2.1, BOX 6, 3.3 (3), Tables 3
and 5): created from an adopted proposal (pointing at it), the plan, the contract within the cap
with the office's reduction, mid-year changes, settlement by Table 5 categories, the year's end,
renewal, phase 2 with novelty and never a third phase; each refusal names the guidebook's place
and keeps nothing half-done."""

from __future__ import annotations

import datetime as dt

import pytest
from c3pfactories_project import LINES, adopted_proposal, cast, closed_year, contracted_year, plan

from renkei.audit.models import AuditEvent
from renkei.c3p.models import C3pActivity, C3pProject, C3pProjectYear, C3pSettlement
from renkei.c3p.services import project as svc
from renkei.services import NotAllowed, ServiceError

pytestmark = pytest.mark.django_db


@pytest.fixture
def people(db):
    return cast()


@pytest.fixture
def project(people, settings):
    proposal = adopted_proposal(people, settings)
    return svc.c3p_project_create(actor=people.office, proposal=proposal)


def _year(project) -> C3pProjectYear:
    return project.years.order_by("-fiscal_year").first()


def test_the_project_points_at_its_adopted_proposal(people, project) -> None:
    year = _year(project)
    assert project.proposal.selection.state == "adopted"
    assert (year.fiscal_year, year.phase, year.year_in_phase) == (2025, 1, 1)
    assert year.requested_jpy == project.proposal.selection.subsidy_jpy
    assert year.state == "planning" and year.rulebook_id == "c3p/fy2025"
    with pytest.raises(ServiceError, match="already has its C3P project"):
        svc.c3p_project_create(actor=people.office, proposal=project.proposal)
    with pytest.raises(NotAllowed):
        svc.c3p_project_create(actor=people.lead, proposal=project.proposal)
    assert AuditEvent.objects.filter(action="c3p_project_create").count() == 1


def test_a_contract_above_the_cap_is_refused_with_the_clause(people, project) -> None:
    year = plan(people, _year(project))
    with pytest.raises(ServiceError) as exc:
        svc.c3p_contract_sign(
            actor=people.office, year=year, amount_jpy=20_000_001, signed_on=dt.date(2025, 7, 1)
        )
    assert "3.3 (3)" in str(exc.value) and "20,000,000" in str(exc.value)
    year.refresh_from_db()
    assert year.state == "plan_submitted" and year.contract_amount_jpy is None
    # the field-survey addition needs its tasks, and reaches at most 25,000,000
    with pytest.raises(ServiceError, match=r"footnote 1|脚注1"):
        svc.c3p_contract_sign(
            actor=people.office,
            year=year,
            amount_jpy=22_000_000,
            field_survey_addition_jpy=2_000_000,
            signed_on=dt.date(2025, 7, 1),
        )
    year = svc.c3p_contract_sign(
        actor=people.office,
        year=year,
        amount_jpy=22_000_000,
        field_survey_addition_jpy=2_000_000,
        field_survey_tasks="Wind condition survey for a JCM application",
        signed_on=dt.date(2025, 7, 1),
    )
    assert year.state == "contracted" and year.field_survey_addition_jpy == 2_000_000
    codes = {f["code"] for f in year.contract_findings}
    assert "c3pproject.contract.addition.granted" in codes


def test_the_offices_reduction_needs_its_reason(people, project) -> None:
    year = plan(people, _year(project), requested=19_800_000)
    with pytest.raises(ServiceError, match="BOX 6"):
        svc.c3p_contract_sign(
            actor=people.office, year=year, amount_jpy=18_000_000, signed_on=dt.date(2025, 7, 1)
        )
    year = svc.c3p_contract_sign(
        actor=people.office,
        year=year,
        amount_jpy=18_000_000,
        signed_on=dt.date(2025, 7, 1),
        reduction_reason="Travel halved",
    )
    found = {f["code"]: f for f in year.contract_findings}
    assert found["c3pproject.contract.reduction.recorded"]["params"]["reduction"] == 1_800_000


def test_the_lead_files_and_the_office_contracts_not_the_other_way(people, project) -> None:
    year = _year(project)
    with pytest.raises(NotAllowed):
        plan(SimpleLead(people.partner), year)
    with pytest.raises(NotAllowed):
        plan(SimpleLead(people.office), year)
    year = plan(people, year)
    with pytest.raises(NotAllowed):
        svc.c3p_contract_sign(
            actor=people.lead, year=year, amount_jpy=1, signed_on=dt.date(2025, 7, 1)
        )


class SimpleLead:
    def __init__(self, user):
        self.lead = user


def test_settlement_by_table_5_refuses_and_flags(people, project) -> None:
    year = contracted_year(people, _year(project))
    bad = [{"category": "equipment", "description": "Tablet", "amount_jpy": 150_000}]
    with pytest.raises(ServiceError, match=r"Table 5|表5"):
        svc.c3p_settlement_submit(actor=people.lead, year=year, kind="interim", lines=bad)
    late = [
        {
            "category": "overseas_travel",
            "description": "Survey",
            "amount_jpy": 10,
            "spent_on": dt.date(2026, 4, 1),
        }
    ]
    with pytest.raises(ServiceError, match="2026-03-31"):
        svc.c3p_settlement_submit(actor=people.lead, year=year, kind="interim", lines=late)
    over = [{"category": "personnel", "description": "Staff", "amount_jpy": 16_363_638}]
    with pytest.raises(ServiceError, match="18,000,000"):  # 16,363,638 + 1,636,363 tax > 18,000,000
        svc.c3p_settlement_submit(actor=people.lead, year=year, kind="interim", lines=over)
    assert not C3pSettlement.objects.exists()
    outsourced = [
        {"category": "personnel", "description": "Staff", "amount_jpy": 1_000_000},
        {"category": "outsourcing", "description": "Consultant", "amount_jpy": 1_000_001},
    ]
    s = svc.c3p_settlement_submit(actor=people.lead, year=year, kind="interim", lines=outsourced)
    assert s.flagged and s.tax_jpy == 200_000 and s.total_incl_tax_jpy == 2_200_001
    assert s.lines.count() == 2
    with pytest.raises(NotAllowed):
        svc.c3p_settlement_submit(actor=people.partner, year=year, kind="interim", lines=LINES)


def test_an_activity_outside_the_contract_year_is_refused(people, project) -> None:
    year = contracted_year(people, _year(project))
    with pytest.raises(ServiceError, match="2025-04-01"):
        svc.c3p_activity_record(
            actor=people.lead, year=year, item="3", title="Kick-off", held_on=dt.date(2025, 3, 31)
        )
    svc.c3p_activity_record(
        actor=people.lead, year=year, item="3", title="Kick-off", held_on=dt.date(2025, 7, 10)
    )
    assert C3pActivity.objects.count() == 1


def test_reduction_and_suspension_mid_year(people, project) -> None:
    year = contracted_year(people, _year(project))
    svc.c3p_settlement_submit(actor=people.lead, year=year, kind="interim", lines=LINES)
    with pytest.raises(ServiceError, match="9,900,000"):  # below what is settled
        svc.c3p_year_change(
            actor=people.office, year=year, kind="reduction", new_amount_jpy=9_000_000, reason="r"
        )
    with pytest.raises(ServiceError, match=r"3\.3 \(3\)"):
        svc.c3p_year_change(actor=people.office, year=year, kind="suspension", reason="")
    change = svc.c3p_year_change(
        actor=people.office, year=year, kind="reduction", new_amount_jpy=12_000_000, reason="Slow"
    )
    year.refresh_from_db()
    assert (change.amount_before_jpy, year.contract_amount_jpy) == (18_000_000, 12_000_000)
    svc.c3p_year_change(actor=people.office, year=year, kind="suspension", reason="City left")
    year.refresh_from_db()
    assert year.state == "suspended"
    with pytest.raises(ServiceError, match="Contracted"):  # no more activities
        svc.c3p_activity_record(
            actor=people.lead, year=year, item="4", title="Survey", held_on=dt.date(2025, 9, 1)
        )
    # what was spent before the suspension is still settled, within the reduced amount
    last = [{"category": "personnel", "description": "Staff", "amount_jpy": 1_000_000}]
    svc.c3p_settlement_submit(actor=people.lead, year=year, kind="final", lines=last)
    svc.c3p_year_close(actor=people.office, year=year)
    project.refresh_from_db()
    assert project.ended_at is not None


def test_the_year_end_needs_the_settlement_and_every_deliverable(people, project) -> None:
    year = contracted_year(people, _year(project))
    with pytest.raises(ServiceError, match="expense settlement report first"):
        svc.c3p_year_report(
            actor=people.lead, year=year, business_report="r", deliverables=svc.DELIVERABLES
        )
    svc.c3p_settlement_submit(actor=people.lead, year=year, kind="final", lines=LINES)
    with pytest.raises(ServiceError, match=r"Table 3 \(1\)"):
        svc.c3p_year_report(
            actor=people.lead, year=year, business_report="r", deliverables=["report_dvd"]
        )
    year = svc.c3p_year_report(
        actor=people.lead, year=year, business_report="r", deliverables=svc.DELIVERABLES
    )
    assert year.state == "reported"


# a year closed directly in the database (the years between are walked by the other tests)
SKIP = {"state": "closed", "contract_amount_jpy": 0, "signed_on": dt.date(2026, 7, 1)}


def test_renewal_phase_two_with_novelty_and_no_third_phase(people, project) -> None:
    with pytest.raises(ServiceError, match="Close the current contract year"):
        svc.c3p_year_renew(actor=people.office, project=project)
    closed_year(people, _year(project))
    year2 = svc.c3p_year_renew(actor=people.office, project=project)
    assert (year2.fiscal_year, year2.phase, year2.year_in_phase) == (2026, 1, 2)
    assert year2.rulebook_id == "c3p/fy2025"  # carried, with a note at the contract
    contracted = contracted_year(people, year2)
    assert any(
        f["code"] == "c3pproject.note.rulebook_carried" for f in contracted.contract_findings
    )
    # jump to phase 1's third year and phase 2's third year directly in the database
    C3pProjectYear.objects.filter(pk=year2.pk).update(**SKIP)
    year3 = svc.c3p_year_renew(actor=people.office, project=project)
    C3pProjectYear.objects.filter(pk=year3.pk).update(**SKIP)
    with pytest.raises(ServiceError, match="novelty"):
        svc.c3p_year_renew(actor=people.office, project=project)
    p2 = svc.c3p_year_renew(actor=people.office, project=project, novelty="Wooden houses")
    assert (p2.phase, p2.year_in_phase, p2.novelty) == (2, 1, "Wooden houses")
    for _ in range(2):
        C3pProjectYear.objects.filter(pk=_year(project).pk).update(**SKIP)
        svc.c3p_year_renew(actor=people.office, project=project)
    C3pProjectYear.objects.filter(pk=_year(project).pk).update(**SKIP)
    with pytest.raises(ServiceError, match=r"third phase|第3フェーズ"):
        svc.c3p_year_renew(actor=people.office, project=project, novelty="More")
    assert C3pProject.objects.get().years.count() == 6
