"""The grant's closing part (issue 8, "Completion to payment", "After payment", "Bad input and
integrity"): each service's rule with the clause, on a grant made directly in ``implementing``
(grantfactories_closing). ``refresh_deadlines`` (the schedule part) is patched to a no-op."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, transaction
from grantfactories_closing import (
    AMOUNT,
    D,
    completed,
    fixed,
    implementing_grant,
    inspected,
    now,
    reported,
    with_evidence,
)

from renkei.audit.models import AuditEvent
from renkei.grants.models import (
    AmountFixing,
    Claim,
    CompletionReport,
    DisposalRequest,
    Grant,
    Payment,
    PropertyItem,
    RefundOrder,
    StopRequest,
    YearEndReport,
)
from renkei.grants.services import closing
from renkei.services import NotAllowed, ServiceError

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _no_deadlines(monkeypatch):
    """The schedule part's ``refresh_deadlines`` is written in parallel: a no-op here."""
    monkeypatch.setattr(
        "renkei.grants.services.schedule.refresh_deadlines", lambda grant: None, raising=True
    )


@pytest.fixture
def grant(users, first_round, sample_document, settings):
    return implementing_grant(users, first_round, sample_document, settings)


def _fresh(grant) -> Grant:
    return Grant.objects.get(pk=grant.pk)


# --- completion ----------------------------------------------------------------------------------
def test_completion_sets_the_facts_and_moves_the_grant(grant, users, settings) -> None:
    completed(grant, users, settings)
    g = _fresh(grant)
    assert g.state == "completed"
    assert (g.completed_on, g.operation_started_on, g.useful_life_years) == (
        D("2026-01-15"),
        D("2025-12-01"),
        10,
    )
    assert AuditEvent.objects.filter(action="grant_complete", object_id=str(g.pk)).exists()


def test_a_late_completion_is_refused_a_stop_request_is_required(grant, users, settings) -> None:
    now(settings, "2026-03-05")
    with pytest.raises(ServiceError) as exc:
        closing.grant_complete(
            actor=users["applicant"],
            grant=grant,
            completed_on=D("2026-03-01"),  # due 2026-02-28
            operation_started_on=D("2026-01-10"),
            useful_life_years=10,
        )
    assert "4.(10)" in str(exc.value) and "suspend or abolish" in str(exc.value)
    assert _fresh(grant).state == "implementing"
    # the boundary: on the due date itself it is on time
    closing.grant_complete(
        actor=users["applicant"],
        grant=grant,
        completed_on=D("2026-02-28"),
        operation_started_on=D("2026-01-10"),
        useful_life_years=10,
    )
    assert _fresh(grant).state == "completed"


def test_completion_dates_out_of_order_are_refused_each_named(grant, users, settings) -> None:
    now(settings, "2025-01-10")
    with pytest.raises(ServiceError) as exc:
        closing.grant_complete(
            actor=users["applicant"],
            grant=grant,
            completed_on=D("2024-07-31"),  # before the decision
            operation_started_on=D("2025-02-01"),  # in the future
            useful_life_years=0,
        )
    text = " ".join(exc.value.errors)
    assert "before the grant decision" in text
    assert "in the future" in text
    assert "useful life" in text
    assert len(exc.value.errors) == 3


def test_only_the_representative_records_completion(grant, users, settings) -> None:
    now(settings, "2026-01-15")
    for who in ("partner", "office", "other_applicant"):
        with pytest.raises(NotAllowed):
            closing.grant_complete(
                actor=users[who],
                grant=grant,
                completed_on=D("2026-01-15"),
                operation_started_on=D("2025-12-01"),
                useful_life_years=10,
            )


# --- the completion report ---------------------------------------------------------------------
def test_the_report_is_due_by_the_earlier_of_30_days_and_10_march(grant, users, settings) -> None:
    completed(grant, users, settings, on="2026-01-15")
    report = reported(grant, users, settings, on="2026-02-01")
    assert report.due_on == D("2026-02-14")  # C + 30 (4.(6)②), earlier than 10 March
    assert report.late is False
    assert _fresh(grant).state == "completion_reported"
    # the invoices and receipts belong to the report now
    assert grant.documents.filter(record_id=report.pk).count() == 2


def test_a_late_report_is_accepted_and_flagged(grant, users, settings) -> None:
    completed(grant, users, settings, on="2026-02-20")
    report = reported(grant, users, settings, on="2026-03-11")  # due 10 March
    assert report.due_on == D("2026-03-10")
    assert report.late is True


def test_the_report_needs_invoices_and_receipts_and_the_figures(grant, users, settings) -> None:
    completed(grant, users, settings)
    now(settings, "2026-02-01")
    with pytest.raises(ServiceError) as exc:
        closing.completion_report_submit(
            actor=users["applicant"],
            grant=grant,
            spending={"2025": {"construction": 1_000, "equipment": -5, "gifts": 1}, "1999": {}},
            excluded=[{"description": "Spare parts", "amount_jpy": 10}],
            narrative="",
            expected_annual_reduction_tco2=None,
        )
    text = " ".join(exc.value.errors)
    assert "1999" in text and "gifts" in text and "equipment" in text
    assert not CompletionReport.objects.exists()
    with pytest.raises(ServiceError) as exc:  # excluded lines need their reason
        closing.completion_report_submit(
            actor=users["applicant"],
            grant=grant,
            spending={"2025": {"construction": 1_000}},
            excluded=[{"description": "Spare parts", "amount_jpy": 10}],
            narrative="done",
            expected_annual_reduction_tco2=Decimal("10"),
        )
    assert "reason" in str(exc.value)
    with pytest.raises(ServiceError) as exc:  # no invoices or receipts uploaded
        closing.completion_report_submit(
            actor=users["applicant"],
            grant=grant,
            spending={"2025": {"construction": 1_000}},
            excluded=[],
            narrative="done",
            expected_annual_reduction_tco2=Decimal("10"),
        )
    assert "4.(6)②" in str(exc.value)
    text = " ".join(exc.value.errors)
    assert len(exc.value.errors) == 2 and "Invoice" in text and "Receipt" in text


def test_a_report_after_an_approved_stop(grant, users, settings) -> None:
    now(settings, "2025-10-01")
    StopRequest.objects.create(
        grant=grant,
        kind="abolish",
        whole=True,
        reason="site lost",
        state="approved",
        submitted_by=users["applicant"],
        decided_at=dt.datetime(2025, 10, 1, 10, tzinfo=dt.UTC),
        decided_by=users["office"],
    )
    Grant.objects.filter(pk=grant.pk).update(state="stopped")
    with_evidence(grant, users)
    now(settings, "2025-10-20")
    report = closing.completion_report_submit(
        actor=users["applicant"],
        grant=grant,
        spending={"2024": {"construction": 10_000_000}, "2025": {}},
        excluded=[],
        narrative="Abolished after the site was lost; works so far.",
        expected_annual_reduction_tco2=None,
    )
    assert report.after_stop and report.basis_on == D("2025-10-01")
    assert report.due_on == D("2025-10-31")
    assert _fresh(grant).state == "completion_reported"


def test_documents_keep_their_sha256_and_refuse_other_types(grant, users, settings) -> None:
    now(settings, "2025-06-01")
    doc = closing.closing_document_add(
        actor=users["applicant"],
        grant=grant,
        kind="invoice",
        upload=SimpleUploadedFile("i.pdf", b"%PDF-1.7 abc"),
    )
    assert len(doc.sha256) == 64
    with pytest.raises(ServiceError, match="not accepted"):
        closing.closing_document_add(
            actor=users["applicant"],
            grant=grant,
            kind="invoice",
            upload=SimpleUploadedFile("i.exe", b"MZ"),
        )
    with pytest.raises(ServiceError, match="already uploaded"):
        closing.closing_document_add(
            actor=users["applicant"],
            grant=grant,
            kind="invoice",
            upload=SimpleUploadedFile("again.pdf", b"%PDF-1.7 abc"),
        )
    settings.RENKEI_UPLOAD_MAX_BYTES = 10
    with pytest.raises(ServiceError, match="limit"):
        closing.closing_document_add(
            actor=users["applicant"],
            grant=grant,
            kind="receipt",
            upload=SimpleUploadedFile("big.pdf", b"%PDF-1.7 " + b"x" * 20),
        )


# --- final inspection --------------------------------------------------------------------------
def test_an_inspection_without_a_site_visit_needs_its_reason(grant, users, settings) -> None:
    completed(grant, users, settings)
    reported(grant, users, settings)
    now(settings, "2026-02-20")
    kwargs = dict(
        actor=users["office"],
        grant=grant,
        inspected_on=D("2026-02-20"),
        attendees="",
        findings="",
        corrections="",
    )
    with pytest.raises(ServiceError, match="A-10"):
        closing.final_inspection_record(
            **kwargs, on_site=False, no_site_reason="", representative_attended=False
        )
    with pytest.raises(ServiceError, match=r"2\.\(11\)"):
        closing.final_inspection_record(
            **kwargs, on_site=True, no_site_reason="", representative_attended=False
        )
    inspection = closing.final_inspection_record(
        **kwargs,
        on_site=False,
        no_site_reason="travel ban to the site",
        representative_attended=False,
    )
    assert inspection.no_site_reason == "travel ban to the site"
    assert _fresh(grant).state == "inspected"


def test_the_database_holds_the_no_site_reason(grant, users, settings) -> None:
    from renkei.grants.models import FinalInspection

    with pytest.raises(IntegrityError), transaction.atomic():
        FinalInspection.objects.create(
            grant=grant,
            inspected_on=D("2026-02-20"),
            on_site=False,
            no_site_reason="",
            recorded_by=users["office"],
        )


def test_corrections_asked_hold_the_fixing_until_done(grant, users, settings) -> None:
    completed(grant, users, settings)
    reported(grant, users, settings)
    now(settings, "2026-02-20")
    inspection = closing.final_inspection_record(
        actor=users["office"],
        grant=grant,
        inspected_on=D("2026-02-20"),
        on_site=True,
        no_site_reason="",
        representative_attended=True,
        attendees="",
        findings="Sticker missing (4.(8)).",
        corrections="Attach the JCM sticker.",
    )
    now(settings, "2026-03-01")
    with pytest.raises(ServiceError, match="corrections"):
        closing.amount_fix(actor=users["office"], grant=grant, fixed_on=D("2026-03-01"))
    closing.final_inspection_corrections_done(
        actor=users["office"], inspection=inspection, done_on=D("2026-02-27")
    )
    fixing = closing.amount_fix(actor=users["office"], grant=grant, fixed_on=D("2026-03-01"))
    assert fixing.amount_jpy > 0


# --- the fixed amount, claims and payments -------------------------------------------------------
def test_the_fixed_amount_is_the_rules_cores_line_by_line(grant, users, settings) -> None:
    completed(grant, users, settings)
    report = reported(grant, users, settings)
    inspected(grant, users, settings)
    fixing = fixed(grant, users, settings)
    from renkei.rules import load_rulebook
    from renkei.rules.jcm import fixed_amount

    expected = fixed_amount(
        load_rulebook("jcm-model-project/fy2024"),
        decided_amount_jpy=AMOUNT,
        rate=grant.decision.rate,
        decided_budget={int(k): v for k, v in grant.decision.application_version.budget.items()},
        actual={int(k): v for k, v in report.spending.items()},
        excluded=tuple(report.excluded),
        advances_jpy=0,
    )
    assert fixing.amount_jpy == expected.amount_jpy
    # (60M + 130M − 0.5M spare parts + 5M) × 0.5, below the decided 100M
    assert fixing.amount_jpy == 97_250_000
    assert fixing.computation["lines"] == [dict(line) for line in expected.lines]
    assert all(
        {"label_ja", "label_en", "value", "clause"} <= set(line)
        for line in fixing.computation["lines"]
    )
    assert _fresh(grant).state == "amount_fixed"


def test_the_final_claim_and_payment_once_never_twice(grant, users, settings) -> None:
    completed(grant, users, settings)
    reported(grant, users, settings)
    inspected(grant, users, settings)
    fixing = fixed(grant, users, settings)
    now(settings, "2026-03-20")
    with pytest.raises(ServiceError, match=r"4\.\(7\)"):
        closing.claim_submit(
            actor=users["applicant"],
            grant=grant,
            kind="final",
            received_on=D("2026-03-20"),
            amount_jpy=fixing.amount_jpy + 1,
        )
    claim = closing.claim_submit(
        actor=users["applicant"], grant=grant, kind="final", received_on=D("2026-03-20")
    )
    assert claim.amount_jpy == fixing.amount_jpy  # no advances
    assert claim.due_on == D("2026-04-30")  # 30 April of FY2025 + 1 (4.(7))
    assert _fresh(grant).state == "claimed"
    now(settings, "2026-04-10")
    with pytest.raises(ServiceError, match="at most"):
        closing.payment_record(
            actor=users["office"],
            claim=claim,
            paid_on=D("2026-04-10"),
            amount_jpy=claim.amount_jpy + 1,
        )
    payment = closing.payment_record(
        actor=users["office"], claim=claim, paid_on=D("2026-04-10"), amount_jpy=claim.amount_jpy
    )
    assert _fresh(grant).state == "paid"
    with pytest.raises(ServiceError, match="already paid"):
        closing.payment_record(
            actor=users["office"], claim=claim, paid_on=D("2026-04-10"), amount_jpy=1
        )
    assert (
        Payment.objects.filter(claim=claim).count() == 1 and payment.claimed_jpy == claim.amount_jpy
    )


def test_the_database_refuses_a_second_payment_and_one_above_the_claim(grant, users) -> None:
    claim = Claim.objects.create(
        grant=grant,
        kind="advance",
        fiscal_year=2024,
        amount_jpy=1_000,
        received_on=D("2025-04-20"),
        due_on=D("2026-04-30"),
        submitted_by=users["applicant"],
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        Payment.objects.create(
            claim=claim,
            claimed_jpy=1_000,
            amount_jpy=1_001,
            paid_on=D("2025-05-01"),
            recorded_by=users["office"],
        )
    Payment.objects.create(
        claim=claim,
        claimed_jpy=1_000,
        amount_jpy=1_000,
        paid_on=D("2025-05-01"),
        recorded_by=users["office"],
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        Payment.objects.create(
            claim=claim,
            claimed_jpy=1_000,
            amount_jpy=1,
            paid_on=D("2025-05-02"),
            recorded_by=users["office"],
        )
    with pytest.raises(IntegrityError), transaction.atomic():  # a second final claim
        for _ in range(2):
            Claim.objects.create(
                grant=grant,
                kind="final",
                amount_jpy=5,
                received_on=D("2026-03-01"),
                due_on=D("2026-04-30"),
                submitted_by=users["applicant"],
            )


def _year_end(grant, users, fy, spending):
    return YearEndReport.objects.create(
        grant=grant,
        fiscal_year=fy,
        spending=spending,
        due_on=D(f"{fy + 1}-04-10"),
        submitted_by=users["applicant"],
    )


def test_advances_after_the_year_end_report_within_its_results(grant, users, settings) -> None:
    now(settings, "2025-04-20")
    with pytest.raises(ServiceError, match="year-end report"):
        closing.claim_submit(
            actor=users["applicant"],
            grant=grant,
            kind="advance",
            received_on=D("2025-04-20"),
            fiscal_year=2024,
            amount_jpy=1_000,
        )
    _year_end(grant, users, 2024, {"construction": 40_000_000, "equipment": 60_000_000, "admin": 0})
    with pytest.raises(ServiceError, match="50,000,000"):  # 100M results × 0.5
        closing.claim_submit(
            actor=users["applicant"],
            grant=grant,
            kind="advance",
            received_on=D("2025-04-20"),
            fiscal_year=2024,
            amount_jpy=50_000_001,
        )
    claim = closing.claim_submit(
        actor=users["applicant"],
        grant=grant,
        kind="advance",
        received_on=D("2025-04-20"),
        fiscal_year=2024,
        amount_jpy=50_000_000,
    )
    assert claim.due_on == D("2026-04-30")  # received in FY2025: literal reading
    assert _fresh(grant).state == "implementing"


def test_advances_above_the_fixed_amount_are_ordered_back(grant, users, settings) -> None:
    # an advance of 50M for FY2024, paid; then a project far smaller than planned
    _year_end(grant, users, 2024, {"construction": 40_000_000, "equipment": 60_000_000, "admin": 0})
    now(settings, "2025-04-20")
    claim = closing.claim_submit(
        actor=users["applicant"],
        grant=grant,
        kind="advance",
        received_on=D("2025-04-20"),
        fiscal_year=2024,
        amount_jpy=50_000_000,
    )
    closing.payment_record(
        actor=users["office"], claim=claim, paid_on=D("2025-04-20"), amount_jpy=50_000_000
    )
    completed(grant, users, settings)
    reported(
        grant,
        users,
        settings,
        spending={
            "2024": {"construction": 30_000_000, "equipment": 30_000_000, "admin": 0},
            "2025": {},
        },
    )
    inspected(grant, users, settings)
    fixing = fixed(grant, users, settings)
    assert fixing.advances_jpy == 50_000_000
    refund = fixing.computation["refund_jpy"]
    assert refund == 50_000_000 - fixing.amount_jpy > 0
    order = RefundOrder.objects.get(grant=grant)
    assert (order.reason, order.amount_jpy) == ("excess_advance", refund)
    assert _fresh(grant).state == "paid"  # nothing left to pay: settled without a final payment
    now(settings, "2026-03-20")
    with pytest.raises(ServiceError, match="less than"):
        closing.refund_record(
            actor=users["office"], order=order, refunded_on=D("2026-03-20"), refunded_jpy=refund - 1
        )
    closing.refund_record(
        actor=users["office"], order=order, refunded_on=D("2026-03-20"), refunded_jpy=refund
    )
    with pytest.raises(ServiceError, match="already recorded"):
        closing.refund_record(
            actor=users["office"], order=order, refunded_on=D("2026-03-20"), refunded_jpy=refund
        )


def test_unpaid_advances_hold_the_fixing(grant, users, settings) -> None:
    _year_end(grant, users, 2024, {"construction": 10_000_000, "equipment": 0, "admin": 0})
    now(settings, "2025-04-20")
    closing.claim_submit(
        actor=users["applicant"],
        grant=grant,
        kind="advance",
        received_on=D("2025-04-20"),
        fiscal_year=2024,
        amount_jpy=1_000_000,
    )
    completed(grant, users, settings)
    reported(grant, users, settings)
    inspected(grant, users, settings)
    now(settings, "2026-03-05")
    with pytest.raises(ServiceError, match="not paid yet"):
        closing.amount_fix(actor=users["office"], grant=grant, fixed_on=D("2026-03-05"))
    assert not AmountFixing.objects.exists()


# --- property, disposals, annual reports, corporate changes --------------------------------------
def _paid(grant, users, settings):
    completed(grant, users, settings)
    reported(grant, users, settings)
    inspected(grant, users, settings)
    fixed(grant, users, settings)
    now(settings, "2026-03-20")
    claim = closing.claim_submit(
        actor=users["applicant"], grant=grant, kind="final", received_on=D("2026-03-20")
    )
    now(settings, "2026-03-25")
    closing.payment_record(
        actor=users["office"], claim=claim, paid_on=D("2026-03-25"), amount_jpy=claim.amount_jpy
    )
    return _fresh(grant)


def _item(grant, users, price):
    return closing.property_item_add(
        actor=users["applicant"],
        grant=grant,
        name="Chiller",
        site="Nairobi",
        quantity=1,
        unit_price_jpy=price,
        acquired_on=D("2025-11-01"),
        operation_started_on=D("2025-12-01"),
        useful_life_years=10,
        location="Plant 1",
    )


def test_the_ledger_gives_the_restriction_end_and_flags_approval(grant, users, settings) -> None:
    _paid(grant, users, settings)
    big, small = _item(grant, users, 500_000), _item(grant, users, 499_999)
    assert big.approval_required and not small.approval_required
    assert big.restriction_ends == D("2035-11-30")  # O + 10 years (the day before, Art. 143)
    # a disposal inside the restriction without approval is refused, with the clause
    now(settings, "2027-01-10")
    with pytest.raises(ServiceError, match=r"4\.\(8\)"):
        closing.property_item_dispose(
            actor=users["applicant"], item=big, disposed_on=D("2027-01-10")
        )
    # the small item needs no approval: its request is refused with why, its disposal recorded
    with pytest.raises(ServiceError, match="No approval is needed"):
        closing.disposal_request_submit(
            actor=users["applicant"],
            item=small,
            kind="scrap",
            planned_on=D("2027-02-01"),
            counterparty="",
            reason="broken",
        )
    closing.property_item_dispose(actor=users["applicant"], item=small, disposed_on=D("2027-01-10"))
    assert PropertyItem.objects.get(pk=small.pk).disposed_on == D("2027-01-10")


def test_a_mortgage_is_a_disposal_approved_before_the_act(grant, users, settings) -> None:
    _paid(grant, users, settings)
    item = _item(grant, users, 8_000_000)
    now(settings, "2027-01-10")
    with pytest.raises(ServiceError, match="in advance"):
        closing.disposal_request_submit(
            actor=users["applicant"],
            item=item,
            kind="mortgage",
            planned_on=D("2027-01-09"),
            counterparty="Bank",
            reason="loan",
        )
    request = closing.disposal_request_submit(
        actor=users["applicant"],
        item=item,
        kind="mortgage",
        planned_on=D("2027-02-01"),
        counterparty="Bank",
        reason="loan for the plant",
    )
    assert request.verdict["approval_required"] is True and request.verdict["clause"] == "4.(8)"
    with pytest.raises(ServiceError, match="reason"):
        closing.disposal_request_decide(
            actor=users["office"], disposal=request, approve=False, reason=""
        )
    closing.disposal_request_decide(
        actor=users["office"], disposal=request, approve=True, reason=""
    )
    with pytest.raises(ServiceError, match="already decided"):
        closing.disposal_request_decide(
            actor=users["office"], disposal=request, approve=True, reason=""
        )
    now(settings, "2027-02-01")
    closing.property_item_dispose(actor=users["applicant"], item=item, disposed_on=D("2027-02-01"))


def test_a_transfer_to_a_foreign_member_is_reported_and_approved(grant, users, settings) -> None:
    _paid(grant, users, settings)
    small = _item(grant, users, 100_000)
    now(settings, "2027-01-10")
    # even below the threshold the transfer to a foreign member is reported in advance
    request = closing.disposal_request_submit(
        actor=users["applicant"],
        item=small,
        kind="sell",
        planned_on=D("2027-03-01"),
        counterparty="Kenyan partner Ltd",
        reason="operated by the partner",
        foreign_member=True,
    )
    assert request.foreign_member and request.state == "submitted"
    with pytest.raises(ServiceError, match="sale or transfer"):
        closing.disposal_request_submit(
            actor=users["applicant"],
            item=small,
            kind="lend",
            planned_on=D("2027-03-01"),
            counterparty="x",
            reason="y",
            foreign_member=True,
        )


def test_annual_reports_per_period_after_it_ends_with_the_shortfall_reason(
    grant, users, settings
) -> None:
    _paid(grant, users, settings)
    periods = closing.annual_periods(_fresh(grant))
    first = periods[0]
    assert first["period_start"] == D("2025-12-01") and first["period_end"] == D("2025-12-31")
    assert periods[1]["period_start"] == D("2026-01-01")
    assert periods[1]["period_end"] == D("2026-12-31")
    kwargs = dict(
        actor=users["applicant"],
        grant=grant,
        operating_status="running",
        property_status="managed with the ledger",
    )
    now(settings, "2026-06-01")
    with pytest.raises(ServiceError, match="not ended yet"):
        closing.annual_report_submit(
            **kwargs,
            period_start=D("2026-01-01"),
            period_end=D("2026-12-31"),
            reductions_tco2=Decimal("1"),
            shortfall_reason="",
        )
    with pytest.raises(ServiceError, match="not a reporting period"):
        closing.annual_report_submit(
            **kwargs,
            period_start=D("2025-12-02"),
            period_end=D("2025-12-31"),
            reductions_tco2=Decimal("1"),
            shortfall_reason="",
        )
    # 1200 t/year expected: 31 days of 365 → 101.918 t
    assert closing.expected_for_period(
        _fresh(grant), first["period_start"], first["period_end"]
    ) == Decimal("101.918")
    with pytest.raises(ServiceError, match=r"4\.\(8\)"):
        closing.annual_report_submit(
            **kwargs,
            period_start=first["period_start"],
            period_end=first["period_end"],
            reductions_tco2=Decimal("101.917"),
            shortfall_reason="",
        )
    report = closing.annual_report_submit(
        **kwargs,
        period_start=first["period_start"],
        period_end=first["period_end"],
        reductions_tco2=Decimal("101.917"),
        shortfall_reason="Grid outage in December.",
    )
    assert report.expected_tco2 == Decimal("101.918")
    with pytest.raises(ServiceError, match="already submitted"):
        closing.annual_report_submit(
            **kwargs,
            period_start=first["period_start"],
            period_end=first["period_end"],
            reductions_tco2=Decimal("200"),
            shortfall_reason="",
        )


def test_corporate_changes_are_reported(grant, users, settings) -> None:
    _paid(grant, users, settings)
    now(settings, "2027-05-01")
    change = closing.corporate_change_report(
        actor=users["applicant"],
        grant=grant,
        kind="name",
        effective_on=D("2027-04-01"),
        description="サンプル株式会社 → サンプルホールディングス株式会社",
    )
    assert change.kind == "name"
    with pytest.raises(ServiceError, match="one of"):
        closing.corporate_change_report(
            actor=users["applicant"],
            grant=grant,
            kind="bankruptcy",
            effective_on=D("2027-04-01"),
            description="x",
        )
    with pytest.raises(NotAllowed):
        closing.corporate_change_report(
            actor=users["partner"],
            grant=grant,
            kind="name",
            effective_on=D("2027-04-01"),
            description="x",
        )


# --- cancellation and closing --------------------------------------------------------------------
def test_cancellation_on_the_calls_grounds_with_a_refund(grant, users, settings) -> None:
    paid = _paid(grant, users, settings)
    paid_total = Payment.objects.get(claim__grant=paid).amount_jpy
    now(settings, "2027-06-01")
    with pytest.raises(ServiceError, match="grounds"):
        closing.grant_cancel(
            actor=users["office"],
            grant=paid,
            grounds=["⑤"],
            whole=True,
            reason="x",
            refund_jpy=0,
            decided_on=D("2027-06-01"),
        )
    with pytest.raises(ServiceError, match="more than was paid"):
        closing.grant_cancel(
            actor=users["office"],
            grant=paid,
            grounds=["②"],
            whole=True,
            reason="misuse",
            refund_jpy=paid_total + 1,
            decided_on=D("2027-06-01"),
        )
    assert _fresh(paid).state == "paid"  # nothing happened
    cancellation = closing.grant_cancel(
        actor=users["office"],
        grant=paid,
        grounds=["②", "③"],
        whole=True,
        reason="subsidy used for other purposes",
        refund_jpy=paid_total,
        decided_on=D("2027-06-01"),
    )
    assert _fresh(paid).state == "cancelled"
    order = RefundOrder.objects.get(grant=paid, reason="cancellation")
    assert order.amount_jpy == paid_total and order.cancellation_id == cancellation.pk


def test_a_part_cancellation_keeps_the_grant_running(grant, users, settings) -> None:
    now(settings, "2025-09-01")
    closing.grant_cancel(
        actor=users["office"],
        grant=grant,
        grounds=["④"],
        whole=False,
        reason="one site flooded; the elapsed part is not refunded (A-32)",
        refund_jpy=0,
        decided_on=D("2025-09-01"),
    )
    assert _fresh(grant).state == "implementing"
    grounds = {g.id: g for g in closing.grounds(grant)}
    assert grounds["④"].proviso_ja  # the proviso is there to be shown


def test_closing_only_when_the_duties_have_expired(grant, users, settings) -> None:
    paid = _paid(grant, users, settings)
    now(settings, "2031-01-01")
    why = closing.close_check(paid)
    assert any("useful life" in w for w in why) and any("five years" in w for w in why)
    with pytest.raises(ServiceError, match="cannot be closed yet"):
        closing.grant_close(actor=users["office"], grant=paid)
    now(settings, "2037-01-01")  # useful life to 2035-11-30, +1 year; records to 2031-01-15
    assert closing.close_check(paid) == []
    closing.grant_close(actor=users["office"], grant=paid)
    assert _fresh(paid).state == "closed"


def test_every_closing_service_is_audited(grant, users, settings) -> None:
    _paid(grant, users, settings)
    actions = set(
        AuditEvent.objects.filter(object_id=str(grant.pk)).values_list("action", flat=True)
    )
    assert {
        "grant_complete",
        "closing_document_add",
        "completion_report_submit",
        "final_inspection_record",
        "amount_fix",
        "claim_submit",
        "payment_record",
    } <= actions


def test_notices_reach_the_consortium_after_commit(
    grant, users, settings, django_capture_on_commit_callbacks
) -> None:
    from renkei.accounts.models import Notice

    completed(grant, users, settings)
    reported(grant, users, settings)
    with django_capture_on_commit_callbacks(execute=True):
        inspected(grant, users, settings)
    assert Notice.objects.filter(recipient=users["partner"]).exists()
    assert Notice.objects.filter(recipient=users["applicant"]).exists()
    assert not Notice.objects.filter(recipient=users["other_applicant"]).exists()


def test_disposal_requests_by_others_are_refused(grant, users, settings) -> None:
    _paid(grant, users, settings)
    item = _item(grant, users, 900_000)
    now(settings, "2027-01-10")
    with pytest.raises(NotAllowed):
        closing.disposal_request_submit(
            actor=users["office"],
            item=item,
            kind="scrap",
            planned_on=D("2027-02-01"),
            counterparty="",
            reason="x",
        )
    assert not DisposalRequest.objects.exists()


def test_a_date_outside_the_calls_period_is_refused_not_a_server_error(
    grant, users, settings
) -> None:
    completed(grant, users, settings)
    reported(grant, users, settings)
    inspected(grant, users, settings)
    fixed(grant, users, settings)
    now(settings, "2027-05-01")  # FY2027: after the call's period (to 2027-03-31)
    with pytest.raises(ServiceError, match="2027-05-01"):
        closing.claim_submit(
            actor=users["applicant"], grant=grant, kind="final", received_on=D("2027-05-01")
        )
    assert not Claim.objects.exists()
    assert _fresh(grant).state == "amount_fixed"
