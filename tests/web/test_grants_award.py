"""The grant's award part (issue 8): the grant application from the adopted proposal version,
its versions, uploads and the office's pre-check, the 内示's withdrawal under 4.(2), the decision
checked by the rules core and its notice, and implementation (procurement, changes, suspension,
interim inspections, year-end reports) with the call's clauses where they refuse or flag."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from grantfactories import (
    NAIJI_AMOUNT,
    accepted_application,
    adopted_selection,
    agreement,
    decide,
    decided_grant,
    filed_application,
    fresh,
    no_deadline_refresh,  # noqa: F401 (fixture)
    notices_at_once,  # noqa: F401 (fixture)
    now,
    opened_grant,
)

from renkei.accounts.models import Notice
from renkei.audit.services import audit_trail
from renkei.grants.models import (
    Allocation,
    ChangeRequest,
    GrantApplicationVersion,
    GrantDecision,
    GrantState,
    RequestState,
)
from renkei.grants.services import award
from renkei.services import NotAllowed, ServiceError

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.usefixtures("no_deadline_refresh", "notices_at_once"),
]

# the sample's eligible cost (examples/jcm-multi-site-pass.yaml, form 4): FY2024 boilers,
# FY2025 heat pumps and PV; the old boiler's removal (3,000,000) is not eligible (2.(7))
SAMPLE_BUDGET = {
    2024: {"construction": 28_000_000, "equipment": 90_000_000, "admin": 5_000_000},
    2025: {"construction": 23_000_000, "equipment": 140_000_000, "admin": 4_500_000},
}


@pytest.fixture
def selection(users, first_round, sample_document):
    return adopted_selection(
        users["applicant"], users["office"], first_round, sample_document, partner=users["partner"]
    )


@pytest.fixture
def grant(selection, users, settings):
    return opened_grant(selection, users["applicant"], settings)


@pytest.fixture
def decided(users, first_round, sample_document, settings):
    return decided_grant(users, first_round, sample_document, settings, partner=users["partner"])


def client_for(user) -> Client:
    c = Client()
    c.cookies["django_language"] = "en"  # the pages' English is asserted here
    if user is not None:
        c.force_login(user)
    return c


def english(recipient) -> list[str]:
    """The recipient's notices as read in English (they are stored with their message ids)."""
    from renkei.accounts.notices import render

    return [render(n.msgid, n.params, "en") for n in Notice.objects.filter(recipient=recipient)]


# --- the application --------------------------------------------------------------------------
def test_the_application_is_prefilled_from_the_adopted_version(grant, selection) -> None:
    version = award.latest_version(grant)
    assert version.number == 1
    assert award.budget_of(version.budget) == SAMPLE_BUDGET
    assert version.content["planned_completion_on"] == "2026-01-30"
    assert f"proposal version {selection.version.number}" == version.content["source"]
    deadline = award.application_deadline(grant)
    assert deadline.due == dt.date(2024, 8, 15)  # 30 days after 2024-07-16 (4.(2))
    assert deadline.cancellable_from == dt.date(2024, 9, 14) + dt.timedelta(days=1)


def test_every_save_is_a_version_and_bad_budgets_are_refused_with_every_cell(
    grant, users, settings
) -> None:
    rep = users["applicant"]
    now(settings, "2024-07-25T10:00")
    changed = {**SAMPLE_BUDGET, 2024: {**SAMPLE_BUDGET[2024], "admin": 4_000_000}}
    v2 = award.application_save(actor=rep, grant=grant, budget=changed, content={"plan": "A"})
    v3 = award.application_save(actor=rep, grant=grant, budget=changed, content={"plan": "B"})
    assert (v2.number, v3.number) == (2, 3)
    assert GrantApplicationVersion.objects.filter(application__grant=grant).count() == 3
    assert v3.content["plan"] == "B" and v3.content["planned_completion_on"] == "2026-01-30"
    with pytest.raises(ServiceError) as exc:
        award.application_save(
            actor=rep,
            grant=grant,
            budget={"2024": {"construction": -1, "equipment": "1.5", "works": 3}},
            content={},
        )
    assert len(exc.value.errors) == 3
    assert "negative" in exc.value.errors[1] or "negative" in " ".join(exc.value.errors)
    assert "works is not a category" in " ".join(exc.value.errors)
    assert GrantApplicationVersion.objects.filter(application__grant=grant).count() == 3


def test_only_the_representative_edits_and_submits(grant, users, settings) -> None:
    for who in ("partner", "office", "other_applicant"):
        with pytest.raises(NotAllowed):
            award.application_save(actor=users[who], grant=grant, budget=SAMPLE_BUDGET, content={})
        with pytest.raises(NotAllowed):
            award.application_submit(actor=users[who], grant=grant)


def test_submit_needs_the_signed_agreement_and_a_late_one_is_flagged(
    grant, users, settings
) -> None:
    rep = users["applicant"]
    now(settings, "2024-08-16T10:00")  # the day after the due date
    award.application_save(
        actor=rep, grant=grant, budget=SAMPLE_BUDGET, content={"plan": "the plan"}
    )
    with pytest.raises(ServiceError, match=r"consortium agreement.*5\.\(3\)①\(ク\)"):
        award.application_submit(actor=rep, grant=grant)
    grant = fresh(grant)
    assert grant.state == GrantState.DRAFTING
    award.application_document_add(
        actor=rep, grant=grant, kind="consortium_agreement", upload=agreement()
    )
    with pytest.raises(ServiceError, match="already uploaded"):
        award.application_document_add(
            actor=rep, grant=grant, kind="consortium_agreement", upload=agreement()
        )
    with pytest.raises(ServiceError, match=r"does not look like a \.pdf"):
        award.application_document_add(
            actor=rep, grant=grant, kind="other", upload=SimpleUploadedFile("x.pdf", b"MZ...")
        )
    version = award.application_submit(actor=rep, grant=grant)
    grant = fresh(grant)
    assert grant.state == GrantState.UNDER_REVIEW
    assert version.submitted_late is True
    page = client_for(users["office"]).get(reverse("grants:award", args=[grant.pk]))
    assert "late" in page.content.decode()
    (notice,) = [n for n in english(users["office"]) if "submitted" in n]
    assert "late" in notice and "4.(2)" in notice


def test_a_submission_on_the_due_date_is_on_time(grant, users, settings) -> None:
    version = filed_application(grant, users["applicant"], settings, at="2024-08-15T23:00")
    assert version.submitted_late is False


def test_the_pre_check_returns_and_the_corrected_version_answers(grant, users, settings) -> None:
    rep, office = users["applicant"], users["office"]
    first = filed_application(grant, rep, settings)
    with pytest.raises(ServiceError, match="empty"):
        award.application_return(actor=office, grant=grant, message="  ")
    pre = award.application_return(actor=office, grant=grant, message="Split the admin cost.")
    grant = fresh(grant)
    assert grant.state == GrantState.DRAFTING and pre.version == first
    with pytest.raises(ServiceError, match="save the corrected application"):
        award.application_submit(actor=rep, grant=grant)
    corrected = award.application_save(
        actor=rep, grant=grant, budget=SAMPLE_BUDGET, content={"plan": "corrected"}
    )
    again = award.application_submit(actor=rep, grant=grant)
    pre.refresh_from_db()
    assert again == corrected and pre.answered_by_version == corrected
    assert "Split the admin cost." in Notice.objects.filter(recipient=rep).last().message
    award.application_accept(actor=office, grant=grant)
    with pytest.raises(NotAllowed):
        award.application_return(actor=office, grant=grant, message="too late")
    actions = [e.action for e in audit_trail(grant.application)]
    assert actions[0] == "application_create" and "application_accept" in actions


def test_the_naiji_is_withdrawn_only_when_4_2_allows_it(grant, users, settings) -> None:
    office = users["office"]
    now(settings, "2024-09-14T10:00")  # 60 days after the 内示: not yet
    with pytest.raises(ServiceError, match=r"from 2024-09-15 \(4\.\(2\)"):
        award.naiji_revoke(actor=office, grant=grant, reason="no application")
    now(settings, "2024-09-15T10:00")
    with pytest.raises(ServiceError, match="reason"):
        award.naiji_revoke(actor=office, grant=grant, reason="")
    with pytest.raises(NotAllowed):
        award.naiji_revoke(actor=users["applicant"], grant=grant, reason="x")
    award.naiji_revoke(actor=office, grant=grant, reason="No application within 60 days.")
    grant = fresh(grant)
    assert grant.state == GrantState.NAIJI_REVOKED
    assert grant.application.revoke_reason == "No application within 60 days."
    assert "No application" in Notice.objects.filter(recipient=users["applicant"]).last().message


def test_a_naiji_of_february_is_withdrawable_when_its_fiscal_year_ends(
    users, first_round, sample_document, settings
) -> None:
    selection = adopted_selection(
        users["applicant"], users["office"], first_round, sample_document, at="2025-02-10T10:00"
    )
    grant = opened_grant(selection, users["applicant"], settings, at="2025-02-12T10:00")
    # 4.(2): the earlier of 60 days after (2025-04-12) and the day after FY2024 ends
    assert award.application_deadline(grant).cancellable_from == dt.date(2025, 4, 1)


# --- the decision -----------------------------------------------------------------------------
def test_the_decision_is_checked_creates_the_allocation_and_notifies(
    grant, users, settings, mailoutbox
) -> None:
    office, rep = users["office"], users["applicant"]
    accepted_application(grant, rep, office, settings)
    with pytest.raises(ServiceError, match="exceeds the notified amount") as exc:
        decide(grant, office, settings, amount=NAIJI_AMOUNT + 1)
    assert exc.value.errors and all(":" in line for line in exc.value.errors)
    assert not Allocation.objects.filter(grant=grant).exists()
    decision = decide(grant, office, settings)
    grant = fresh(grant)
    assert grant.state == GrantState.IMPLEMENTING and grant.decided_on == dt.date(2024, 8, 20)
    assert decision.amount_jpy == NAIJI_AMOUNT and decision.rate == Decimal("0.5")
    assert decision.rulebook.startswith("jcm-model-project/fy2024")
    current = award.current_allocation(grant)
    assert current.source == "decision" and award.budget_of(current.budget) == SAMPLE_BUDGET
    assert {f["status"] for f in decision.findings} <= {"pass", "needs_review"}
    assert "Grant decided" in [m.subject for m in mail.outbox] or mail.outbox
    assert Notice.objects.filter(recipient=rep, message__contains=decision.number).exists()
    with pytest.raises(NotAllowed):
        decide(grant, office, settings)


def test_the_decision_needs_an_accepted_application_and_dates_in_order(
    grant, users, settings
) -> None:
    office = users["office"]
    filed_application(grant, users["applicant"], settings)
    with pytest.raises(ServiceError, match="Accept the application"):
        decide(grant, office, settings)
    award.application_accept(actor=office, grant=grant)
    now(settings, "2024-08-20T10:00")
    with pytest.raises(ServiceError, match="must come after the decision date"):
        award.grant_decide(
            actor=office,
            grant=grant,
            decided_on=dt.date(2024, 8, 20),
            amount_jpy=1,
            rate=Decimal("0.5"),
            completion_due=dt.date(2024, 8, 20),
        )
    with pytest.raises(ServiceError, match="out of range"):
        award.grant_decide(
            actor=office,
            grant=grant,
            decided_on=dt.date(2024, 8, 20),
            amount_jpy=1,
            rate=Decimal("1.5"),
            completion_due=dt.date(2026, 1, 30),
        )


def test_the_decision_notice_is_a_document_for_the_office_and_the_consortium(
    decided, users
) -> None:
    from docx import Document

    url = reverse("grants:award_notice", args=[decided.pk])
    expected = {
        "anonymous": 302,
        "applicant": 200,
        "partner": 200,
        "office": 200,
        "other_applicant": 404,
        "reviewer": 404,
        "secretariat": 404,
        "joint_committee": 404,
    }
    for role, status in expected.items():
        assert client_for(users[role]).get(url).status_code == status, role
    body = client_for(users["partner"]).get(url).content
    doc = Document(io.BytesIO(body))
    text = "\n".join(
        [p.text for p in doc.paragraphs]
        + [c.text for t in doc.tables for r in t.rows for c in r.cells]
    )
    assert "交付決定通知書" in text and decided.decision.number in text
    assert "金 98,000,000 円" in text and "50%" in text
    assert "2026年1月30日" in text and "2024年8月20日" in text
    assert "118,000,000" not in text  # per category per year, not merged
    assert "90,000,000" in text and "2024年度" in text and "4.(3)①" in text


# --- procurement (4.(3)) ----------------------------------------------------------------------
def _order(grant, rep, **kw):
    args = dict(
        fiscal_year=2024,
        category="equipment",
        description="boilers",
        supplier="Boiler Co.",
        method="tender",
        method_reason="",
        ordered_on=dt.date(2024, 9, 1),
        amount_jpy=80_000_000,
        paid_on=dt.date(2025, 2, 1),
    )
    args.update(kw)
    return award.procurement_record(actor=rep, grant=grant, **args)


def test_orders_before_the_decision_and_sole_suppliers_without_reason_are_refused(
    decided, users
) -> None:
    rep = users["applicant"]
    with pytest.raises(ServiceError, match=r"4\.\(3\)①"):
        _order(decided, rep, ordered_on=dt.date(2024, 8, 19))
    with pytest.raises(ServiceError, match=r"4\.\(3\)②"):
        _order(decided, rep, method="sole")
    on_the_day = _order(decided, rep, ordered_on=dt.date(2024, 8, 20))
    assert on_the_day.flags == []
    sole = _order(decided, rep, method="sole", method_reason="Only maker of this boiler.")
    assert [f["clause"] for f in sole.flags] == ["4.(3)②"]  # shown for review
    late = _order(decided, rep, paid_on=dt.date(2025, 4, 2))
    assert [f["code"] for f in late.flags] == ["jcm.grant.paid_in_year"]
    assert late.flags[0]["clause"] == "4.(3)③" and late.flags[0]["en"]
    with pytest.raises(NotAllowed):
        _order(decided, users["office"])


# --- changes (4.(4)) --------------------------------------------------------------------------
def _moved(budget, fy, src, dst, yen):
    out = {y: dict(r) for y, r in budget.items()}
    out[fy][src] -= yen
    out[fy][dst] += yen
    return out


def test_a_reallocation_within_15_percent_is_recorded_and_becomes_the_budget(
    decided, users
) -> None:
    rep = users["applicant"]
    # 15 % of the lower allocation (construction 51,000,000 over both years) = 7,650,000
    small = _moved(SAMPLE_BUDGET, 2024, "equipment", "construction", 7_650_000)
    verdict = award.change_verdict(decided, kind="reallocation", budget=small)
    assert verdict["approval_required"] is False and verdict["threshold_jpy"] == 7_650_000
    change = award.change_request_submit(
        actor=rep, grant=decided, kind="reallocation", description="more works", budget=small
    )
    assert change.state == RequestState.RECORDED and change.approval_required is False
    assert award.budget_of(award.current_allocation(decided).budget) == small
    assert Allocation.objects.filter(grant=decided).count() == 2


def test_a_larger_reallocation_waits_for_approval_and_approval_changes_the_budget(
    decided, users
) -> None:
    rep, office = users["applicant"], users["office"]
    big = _moved(SAMPLE_BUDGET, 2024, "equipment", "construction", 7_650_001)
    change = award.change_request_submit(
        actor=rep, grant=decided, kind="reallocation", description="more works", budget=big
    )
    assert change.state == RequestState.SUBMITTED and change.verdict["clause"] == "4.(4)2)①"
    assert change.verdict["ja"] and change.verdict["en"]
    assert award.budget_of(award.current_allocation(decided).budget) == SAMPLE_BUDGET
    with pytest.raises(ServiceError, match="waiting"):
        award.change_request_submit(
            actor=rep, grant=decided, kind="reallocation", description="again", budget=big
        )
    with pytest.raises(NotAllowed):
        award.change_request_decide(actor=rep, change=change, approve=True, reason="")
    award.change_request_decide(actor=office, change=change, approve=True, reason="ok")
    assert award.budget_of(award.current_allocation(decided).budget) == big
    page = client_for(rep).get(reverse("grants:award", args=[decided.pk])).content.decode()
    assert "Prior approval of the office is needed" in page and "4.(4)2)①" in page


def test_a_reallocation_that_changes_the_total_is_an_amount_change(decided, users) -> None:
    more = {**SAMPLE_BUDGET, 2024: {**SAMPLE_BUDGET[2024], "admin": 5_000_001}}
    with pytest.raises(ServiceError, match=r"4\.\(4\)1\)"):
        award.change_request_submit(
            actor=users["applicant"],
            grant=decided,
            kind="reallocation",
            description="x",
            budget=more,
        )


def test_an_amount_change_needs_approval_and_an_increase_is_checked(decided, users) -> None:
    rep, office = users["applicant"], users["office"]
    down = award.change_request_submit(
        actor=rep, grant=decided, kind="amount", description="less", amount_jpy=90_000_000
    )
    assert down.approval_required and down.verdict["increase"] is False
    award.change_request_decide(actor=office, change=down, approve=True, reason="")
    assert award.current_allocation(decided).amount_jpy == 90_000_000
    up = award.change_request_submit(
        actor=rep, grant=decided, kind="amount", description="more", amount_jpy=NAIJI_AMOUNT + 1
    )
    assert up.verdict["increase"] is True and up.verdict["reading"]
    with pytest.raises(ServiceError):  # above the 内示 amount: refused with its clause
        award.change_request_decide(actor=office, change=up, approve=True, reason="")
    award.change_request_decide(actor=office, change=up, approve=False, reason="Above the 内示.")
    up.refresh_from_db()
    assert up.state == RequestState.REFUSED
    assert award.current_allocation(decided).amount_jpy == 90_000_000


def test_content_changes_follow_the_minor_change_questions(decided, users) -> None:
    rep = users["applicant"]
    answers = dict(
        changes_purpose=False,
        own_initiative_efficiency=False,
        detail_only=True,
        reductions_unchanged=True,
    )
    minor = award.change_request_submit(
        actor=rep, grant=decided, kind="content", description="detail", details=answers
    )
    assert minor.state == RequestState.RECORDED and minor.verdict["clause"].startswith("4.(4)2)")
    with pytest.raises(ServiceError, match="Answer every question"):
        award.change_verdict(decided, kind="content", details={"detail_only": True})
    major = award.change_request_submit(
        actor=rep,
        grant=decided,
        kind="content",
        description="new site",
        details={**answers, "reductions_unchanged": False},
    )
    assert major.state == RequestState.SUBMITTED
    award.change_request_withdraw(actor=rep, change=major)
    members = award.change_request_submit(
        actor=rep,
        grant=decided,
        kind="consortium",
        description="new partner",
        details={"members": "A, B"},
    )
    assert members.approval_required and members.verdict["clause"] == "2.(4)② 注3"
    assert ChangeRequest.objects.filter(grant=decided).count() == 3


# --- suspension, inspections, year-end reports ------------------------------------------------
def test_stop_requests_move_the_grant(decided, users) -> None:
    rep, office = users["applicant"], users["office"]
    stop = award.stop_request_submit(
        actor=rep, grant=decided, kind="suspend", whole=True, late_completion=True, reason="flood"
    )
    decided = fresh(decided)
    assert decided.state == GrantState.STOP_REQUESTED
    with pytest.raises(ServiceError, match="reason"):
        award.stop_request_decide(actor=office, stop=stop, approve=False, reason="")
    award.stop_request_decide(actor=office, stop=stop, approve=False, reason="finish it")
    decided = fresh(decided)
    assert decided.state == GrantState.IMPLEMENTING
    again = award.stop_request_submit(
        actor=rep, grant=decided, kind="abolish", whole=True, late_completion=False, reason="x"
    )
    award.stop_request_decide(actor=office, stop=again, approve=True, reason="")
    decided = fresh(decided)
    assert decided.state == GrantState.STOPPED


def test_interim_inspections_are_the_offices_with_the_representative_on_site(
    decided, users, settings
) -> None:
    office = users["office"]
    now(settings, "2025-03-10T10:00")
    with pytest.raises(ServiceError, match=r"2\.\(11\)"):
        award.interim_inspection_record(
            actor=office,
            grant=decided,
            fiscal_year=2024,
            inspected_on=dt.date(2025, 3, 5),
            on_site=True,
            representative_attended=False,
            attendees="",
            findings="",
        )
    with pytest.raises(ServiceError, match="FY2024"):
        award.interim_inspection_record(
            actor=office,
            grant=decided,
            fiscal_year=2025,
            inspected_on=dt.date(2025, 3, 5),
            on_site=False,
            representative_attended=False,
            attendees="",
            findings="",
        )
    record = award.interim_inspection_record(
        actor=office,
        grant=decided,
        fiscal_year=2024,
        inspected_on=dt.date(2025, 3, 5),
        on_site=True,
        representative_attended=True,
        attendees="GEC, REP",
        findings="on track",
    )
    assert record.on_site
    with pytest.raises(NotAllowed):
        award.interim_inspection_record(
            actor=users["applicant"],
            grant=decided,
            fiscal_year=2024,
            inspected_on=dt.date(2025, 3, 5),
            on_site=False,
            representative_attended=False,
            attendees="",
            findings="",
        )


def test_year_end_reports_only_for_ended_years_and_late_ones_flagged(
    decided, users, settings
) -> None:
    rep = users["applicant"]
    spending = {"construction": 20_000_000, "equipment": 80_000_000, "admin": 1_000_000}
    now(settings, "2025-03-31T23:00")
    with pytest.raises(ServiceError, match=r"has not ended yet.*4\.\(6\)①"):
        award.year_end_report_submit(
            actor=rep, grant=decided, fiscal_year=2024, spending=spending, narrative=""
        )
    now(settings, "2025-04-10T23:00")
    on_time = award.year_end_report_submit(
        actor=rep, grant=decided, fiscal_year=2024, spending=spending, narrative="ok"
    )
    assert on_time.due_on == dt.date(2025, 4, 10) and on_time.late is False
    with pytest.raises(ServiceError, match="already submitted"):
        award.year_end_report_submit(
            actor=rep, grant=decided, fiscal_year=2024, spending=spending, narrative=""
        )
    with pytest.raises(ServiceError, match="ended before the grant decision"):
        award.year_end_report_submit(
            actor=rep, grant=decided, fiscal_year=2023, spending=spending, narrative=""
        )
    now(settings, "2026-04-11T09:00")
    late = award.year_end_report_submit(
        actor=rep, grant=decided, fiscal_year=2025, spending=spending, narrative=""
    )
    assert late.late is True
    (notice,) = [n for n in english(users["office"]) if "FY2025" in n]
    assert "late" in notice and "4.(6)①" in notice and "2026" in notice


# --- the pages: nothing typed is lost ---------------------------------------------------------
def test_a_refused_form_comes_back_with_what_was_typed(decided, users) -> None:
    c = client_for(users["applicant"])
    response = c.post(
        reverse("grants:award_procurement", args=[decided.pk]),
        {
            "fiscal_year": "2024",
            "category": "equipment",
            "description": "Typed description 123",
            "supplier": "Typed supplier",
            "method": "tender",
            "ordered_on": "2024-08-01",
            "amount_jpy": "1000",
        },
    )
    body = response.content.decode()
    assert response.status_code == 400
    assert "4.(3)①" in body and "Typed description 123" in body and "Typed supplier" in body


def test_the_change_preview_shows_the_verdict_before_filing(decided, users) -> None:
    c = client_for(users["applicant"])
    data = {"kind": "reallocation", "description": "Move money"}
    budget = _moved(SAMPLE_BUDGET, 2024, "equipment", "construction", 7_650_001)
    for fy, row in budget.items():
        for cat, yen in row.items():
            data[f"b_{fy}_{cat}"] = str(yen)
    preview = c.post(reverse("grants:award_change", args=[decided.pk]), {**data, "preview": "1"})
    assert preview.status_code == 200
    assert "Prior approval of the office is needed" in preview.content.decode()
    assert not ChangeRequest.objects.filter(grant=decided).exists()
    filed = c.post(reverse("grants:award_change", args=[decided.pk]), data)
    assert filed.status_code == 302
    assert ChangeRequest.objects.get(grant=decided).state == RequestState.SUBMITTED


def test_the_budget_goes_out_and_back_as_a_workbook(grant, users) -> None:
    from openpyxl import load_workbook

    c = client_for(users["applicant"])
    data = c.get(reverse("grants:award_budget_xlsx", args=[grant.pk])).content
    book = load_workbook(io.BytesIO(data))
    sheet = book.worksheets[0]
    cells = {cell.coordinate: cell for row in sheet.iter_rows() for cell in row}
    target = next(ref for ref, cell in cells.items() if cell.value == SAMPLE_BUDGET[2024]["admin"])
    sheet[target] = 4_000_000
    out = io.BytesIO()
    book.save(out)
    upload = SimpleUploadedFile("budget.xlsx", out.getvalue())
    response = c.post(reverse("grants:award_budget_upload", args=[grant.pk]), {"file": upload})
    assert response.status_code == 302
    assert award.budget_of(award.latest_version(grant).budget)[2024]["admin"] == 4_000_000
    sheet[target] = "four million"
    bad = io.BytesIO()
    book.save(bad)
    refused = c.post(
        reverse("grants:award_budget_upload", args=[grant.pk]),
        {"file": SimpleUploadedFile("budget.xlsx", bad.getvalue())},
    )
    assert refused.status_code == 400 and f"!{target}" in refused.content.decode()
    assert award.latest_version(grant).number == 2  # nothing saved by the refused upload


def test_the_api_runs_the_application_and_the_decision(grant, users, settings) -> None:
    rep, office = client_for(users["applicant"]), client_for(users["office"])
    base = f"/api/grants/{grant.pk}"
    now(settings, "2024-08-01T10:00")
    saved = rep.post(
        f"{base}/application/versions",
        {
            "budget": {str(k): v for k, v in SAMPLE_BUDGET.items()},
            "plan": "API plan",
            "planned_completion_on": "2026-01-30",
        },
        content_type="application/json",
    )
    assert saved.status_code == 201, saved.content
    assert rep.post(f"{base}/application/submit").status_code == 422  # no agreement yet
    up = rep.post(
        f"{base}/application/documents",
        {"kind": "consortium_agreement", "file": agreement()},
    )
    assert up.status_code == 201, up.content
    assert rep.post(f"{base}/application/submit").status_code == 200
    assert office.post(f"{base}/application/accept").status_code == 200
    now(settings, "2024-08-20T10:00")
    refused = office.post(
        f"{base}/decision",
        {
            "decided_on": "2024-08-20",
            "amount_jpy": NAIJI_AMOUNT + 1,
            "rate": "0.5",
            "completion_due": "2026-01-30",
        },
        content_type="application/json",
    )
    assert refused.status_code == 422 and refused.json()["errors"]
    decided = office.post(
        f"{base}/decision",
        {
            "decided_on": "2024-08-20",
            "amount_jpy": NAIJI_AMOUNT,
            "rate": "0.5",
            "completion_due": "2026-01-30",
        },
        content_type="application/json",
    )
    assert decided.status_code == 201, decided.content
    assert decided.json()["amount_in_force_jpy"] == NAIJI_AMOUNT
    verdict = rep.post(
        f"{base}/changes/verdict",
        {
            "kind": "reallocation",
            "budget": {
                str(k): v
                for k, v in _moved(SAMPLE_BUDGET, 2024, "equipment", "construction", 1).items()
            },
        },
        content_type="application/json",
    )
    assert verdict.status_code == 200 and verdict.json()["approval_required"] is False


def test_a_completion_date_after_the_calls_is_shown_for_review(grant, users, settings) -> None:
    office = users["office"]
    accepted_application(grant, users["applicant"], office, settings)
    now(settings, "2024-08-20T10:00")
    decision = award.grant_decide(
        actor=office,
        grant=grant,
        decided_on=dt.date(2024, 8, 20),
        amount_jpy=NAIJI_AMOUNT,
        rate=Decimal("0.5"),
        completion_due=dt.date(2027, 1, 30),  # 2.(10): 2027-01-29 in principle
    )
    (late,) = [f for f in decision.findings if f["en"]["clause"] == "2.(10)"]
    assert late["status"] == "needs_review" and "2027-01-29" in late["en"]["message"]
    page = client_for(office).get(reverse("grants:award", args=[grant.pk])).content.decode()
    assert "2027-01-29" in page


def test_the_year_end_spending_goes_out_and_back_as_a_workbook(decided, users, settings) -> None:
    from openpyxl import load_workbook

    rep = users["applicant"]
    _order(decided, rep, amount_jpy=70_000_000, paid_on=dt.date(2025, 1, 10))
    c = client_for(rep)
    data = c.get(reverse("grants:award_spending_xlsx", args=[decided.pk, 2024])).content
    book = load_workbook(io.BytesIO(data))
    sheet = book.worksheets[0]
    values = [cell.value for row in sheet.iter_rows() for cell in row]
    assert 70_000_000 in values  # the year's orders, per category
    now(settings, "2025-04-05T10:00")
    wrong_year = c.post(
        reverse("grants:award_year_end", args=[decided.pk]),
        {
            "fiscal_year": "2025",
            "narrative": "typed narrative",
            "file": SimpleUploadedFile("s.xlsx", data),
        },
    )
    assert wrong_year.status_code == 400 and "typed narrative" in wrong_year.content.decode()
    done = c.post(
        reverse("grants:award_year_end", args=[decided.pk]),
        {"fiscal_year": "2024", "narrative": "", "file": SimpleUploadedFile("s.xlsx", data)},
    )
    assert done.status_code == 302
    report = decided.year_end_reports.get(fiscal_year=2024)
    assert report.spending == {"construction": 0, "equipment": 70_000_000, "admin": 0}


def test_the_pages_read_in_japanese_and_the_grant_page_links_the_award_part(decided, users) -> None:
    c = Client()  # Japanese by default
    c.force_login(users["applicant"])
    page = c.get(reverse("grants:award", args=[decided.pk])).content.decode()
    assert (
        "交付申請" in page
        and "交付決定通知書をダウンロード" in page
        and "年度終了実績報告書" in page
    )
    detail = c.get(reverse("grants:detail", args=[decided.pk])).content.decode()
    assert reverse("grants:award", args=[decided.pk]) in detail
    assert decided.decision.number in detail


def test_the_office_decides_with_its_own_allocations_from_a_workbook(grant, users, settings):
    """The office downloads the accepted budget, changes the allocations and decides with them
    in the page; a faulty workbook names its cell and decides nothing."""
    from openpyxl import load_workbook

    accepted_application(grant, users["applicant"], users["office"], settings)
    now(settings, "2024-08-20T10:00")
    c = client_for(users["office"])
    page = c.get(reverse("grants:award", args=[grant.pk])).content.decode()
    assert 'enctype="multipart/form-data"' in page and 'name="allocations"' in page
    book = load_workbook(
        io.BytesIO(c.get(reverse("grants:award_budget_xlsx", args=[grant.pk])).content)
    )
    sheet = book.worksheets[0]
    cells = {cell.coordinate: cell for row in sheet.iter_rows() for cell in row}
    target = next(ref for ref, cell in cells.items() if cell.value == SAMPLE_BUDGET[2025]["admin"])
    url = reverse("grants:award_decide", args=[grant.pk])
    form = {
        "decided_on": "2024-08-20",
        "amount_jpy": NAIJI_AMOUNT,
        "rate": "0.5",
        "completion_due": "2026-01-29",
    }

    def posted(value):
        sheet[target] = value
        out = io.BytesIO()
        book.save(out)
        return c.post(url, {**form, "allocations": SimpleUploadedFile("a.xlsx", out.getvalue())})

    refused = posted("lots")
    assert refused.status_code == 400 and f"!{target}" in refused.content.decode()
    assert not GrantDecision.objects.filter(grant=grant).exists()
    assert posted(4_000_000).status_code == 302
    budget = award.budget_of(award.current_allocation(grant).budget)
    assert budget[2025]["admin"] == 4_000_000
    assert budget[2024] == SAMPLE_BUDGET[2024]
