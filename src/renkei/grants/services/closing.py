"""Completion to payment and the years after (JCM 4.(5)–(11), 2.(1)②, 2.(5), 2.(8), 2.(10)).
See ``renkei.grants.models.closing``.

Every service here: the permission (``renkei.access``), the grant's row fresh and locked
(``core.locked``: two office users acting on one grant at once are serialised, and the second
one decides on what the first did), the checks with the clause and what would be right, the
state transition through ``core.move`` or an audit event, the due dates recomputed
(``schedule.refresh_deadlines``) and the notices after commit.

The rules are the rules core's (``renkei.rules.jcm``): the completion-report and payment due
dates, the annual-report periods, the fixed amount, the disposal restriction and the
cancellation grounds. Where the call leaves a point open, the reading applied is named (its id
in ``READINGS``) and shown where it applies.
"""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Sum
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, gettext_noop

from renkei import clock
from renkei.accounts.models import Role
from renkei.accounts.notices import notify
from renkei.audit.services import audit_record
from renkei.grants.models import (
    CATEGORIES,
    AmountFixing,
    AnnualReport,
    Cancellation,
    Claim,
    CompletionReport,
    CorporateChange,
    DisposalRequest,
    FinalInspection,
    Grant,
    GrantDocument,
    GrantState,
    Payment,
    PropertyItem,
    RefundOrder,
    RequestState,
    StopRequest,
    YearEndReport,
)
from renkei.grants.services.core import locked, move, require
from renkei.grants.services.documents import store_document
from renkei.proposals.services import check_file
from renkei.rules.jcm.schedule import fiscal_year_start as fiscal_year
from renkei.services import ServiceError, clean_text

S = GrantState
MAX_YEN = 10**13  # ten trillion yen: far above any grant, below the databases' bigint
DISPOSAL_THRESHOLD_JPY = 500_000  # 4.(8) 「単価50万円以上」 (the rules core decides; shown)

# The readings this part applies where the call is unclear (spec §5.1), each shown where it
# applies, in both languages (gettext).
READINGS = {
    "closing.reading.late_completion_stop": gettext_lazy(
        "Completion after the completion due date is not recorded: the call has no extension "
        "procedure; a request to suspend or abolish the project is required instead (4.(10), "
        "spec A-31)."
    ),
    "closing.reading.final_inspection_on_site": gettext_lazy(
        "The final inspection is on site in principle (4.(7)) with the representative present "
        "(2.(11)); an inspection without a site visit records why (4.(6)② 「必要に応じて」, "
        "spec A-10)."
    ),
    "closing.reading.advance_per_fiscal_year": gettext_lazy(
        "Payments for a fiscal year's spending during implementation are treated as advances "
        "(概算払), claimed after that year's year-end report and limited to its results × the "
        "decided rate; the final settlement is the fixed amount less the advances paid (4.(7), "
        "2.(11), spec A-09)."
    ),
    "closing.reading.cancellation_elapsed_part": gettext_lazy(
        "Under ground ④ the part of the project for the period already elapsed is not refunded; "
        "the call gives no method, so the office determines that part and states it in the "
        "reason (spec A-32)."
    ),
    "closing.reading.annual_expected_prorated": gettext_lazy(
        "The expected reduction of a period is the expected annual reduction stated in the "
        "completion report, prorated by the period's days for a part year (4.(8), spec A-34)."
    ),
    "closing.reading.disposal_foreign_member": gettext_lazy(
        "A transfer to a foreign member of the international consortium is reported in advance "
        "and, as a transfer, approved like any disposal (4.(8), spec A-18)."
    ),
    "closing.reading.closing_conditions": gettext_lazy(
        "The call defines no closing event: a grant is closed once the useful life has ended and "
        "the year for the last issuance request after it has passed, the five years of records "
        "are over, and nothing is left to refund or decide (spec A-41). Credit delivery is not "
        "recorded on the platform: the office confirms it before closing."
    ),
}

DOCUMENT_KINDS = {
    "invoice": gettext_lazy("Invoice (請求書)"),
    "receipt": gettext_lazy("Receipt (領収書)"),
    "implementation_report": gettext_lazy("Implementation report (実施報告書)"),
    "inspection": gettext_lazy("Final inspection record or photos"),
    "other": gettext_lazy("Other evidence"),
}
CLOSING_RECORD = "grants.completionreport"


# --- shared helpers ----------------------------------------------------------------------------
def book_of(grant: Grant):
    """The call's rulebook (``JcmRulebook``) the grant is administered under."""
    from renkei.rules import load_rulebook

    return load_rulebook(grant.selection.proposal.call.rulebook_id)


def rules(fn, *args: Any, **kwargs: Any) -> Any:
    """Call the rules core; a refusal of its own (a date outside the call's period, an amount
    it cannot take) becomes the service's refusal with its message, never a server error."""
    from renkei.errors import RenkeiError

    try:
        return fn(*args, **kwargs)
    except RenkeiError as exc:
        raise ServiceError(str(exc)) from exc


today = clock.today


def _refresh(grant: Grant) -> None:
    from renkei.grants.services.schedule import refresh_deadlines

    refresh_deadlines(grant)


def _consortium(grant: Grant) -> list[Any]:
    proposal = grant.selection.proposal
    orgs = [proposal.organisation_id, *proposal.partners.values_list("organisation", flat=True)]
    return list(
        get_user_model().objects.filter(organisation__in=orgs, role=Role.APPLICANT, is_active=True)
    )


def _office() -> list[Any]:
    return list(get_user_model().objects.filter(role=Role.OFFICE, is_active=True))


def _tell(recipients: list[Any], grant: Grant, subject: str, message: str, **values: Any) -> None:
    notify(
        recipients,
        subject=subject,
        message=message,
        link=f"/grants/{grant.pk}/closing/",
        values={"number": grant.number, **values},
    )


def _yen(value: Any, what: str) -> int:
    """An amount in integer yen, 0 to ``MAX_YEN``; anything else refused, saying so."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise ServiceError(
            _("%(what)s must be a whole number of yen (got %(value)r).")
            % {"what": what, "value": value}
        )
    if not 0 <= value <= MAX_YEN:
        raise ServiceError(
            _("%(what)s must be between 0 and %(max)s yen (got %(value)s).")
            % {"what": what, "max": f"{MAX_YEN:,}", "value": f"{value:,}"}
        )
    return value


def _tco2(value: Any, what: str) -> Decimal:
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError):
        raise ServiceError(
            _("%(what)s must be a number of tonnes of CO2 (got %(value)r).")
            % {"what": what, "value": value}
        ) from None
    if not number.is_finite() or number < 0 or number >= Decimal("1e11"):
        raise ServiceError(
            _("%(what)s must be zero or more and below 100 billion tonnes (got %(value)s).")
            % {"what": what, "value": value}
        )
    if number != number.quantize(Decimal("0.001")):
        raise ServiceError(
            _("%(what)s has more than three decimals (got %(value)s); round it to 0.001 t.")
            % {"what": what, "value": value}
        )
    return number


_text = clean_text


def _state(grant: Grant, allowed: tuple[str, ...], doing: str) -> None:
    if grant.state not in allowed:
        raise ServiceError(
            _(
                "%(doing)s is not possible while the grant is “%(state)s”; it is possible when it "
                "is: %(allowed)s."
            )
            % {
                "doing": doing,
                "state": grant.get_state_display(),
                "allowed": ", ".join(str(GrantState(s).label) for s in allowed),
            }
        )


def budget_clean(budget: Any, what: str) -> dict[str, dict[str, int]]:
    """``{fy: {category: yen}}`` with fiscal years as strings of four digits and the three
    別表1 categories; every problem listed, not the first only."""
    errors: list[str] = []
    if not isinstance(budget, dict) or not budget:
        raise ServiceError(
            _(
                "%(what)s must give yen per fiscal year and category, e.g. "
                '{"2024": {"construction": 1000, "equipment": 0, "admin": 0}}.'
            )
            % {"what": what}
        )
    clean: dict[str, dict[str, int]] = {}
    for fy, row in budget.items():
        key = str(fy)
        if not (key.isdigit() and len(key) == 4 and 2000 <= int(key) <= 2100):
            errors.append(
                _("%(fy)s: not a fiscal year; write its first year, e.g. 2024.") % {"fy": fy}
            )
            continue
        if not isinstance(row, dict):
            errors.append(
                _("%(fy)s: give yen per category (construction, equipment, admin).") % {"fy": key}
            )
            continue
        unknown = sorted(set(map(str, row)) - set(CATEGORIES))
        if unknown:
            errors.append(
                _("%(fy)s: unknown categories %(unknown)s; the categories are %(known)s.")
                % {"fy": key, "unknown": ", ".join(unknown), "known": ", ".join(CATEGORIES)}
            )
        clean[key] = {}
        for cat in CATEGORIES:
            value = row.get(cat, 0)
            try:
                clean[key][cat] = _yen(value, f"{key} {cat}")
            except ServiceError as exc:
                errors.append(str(exc))
    if errors:
        raise ServiceError(errors[0], errors=errors)
    return dict(sorted(clean.items()))


def _current_allocation(grant: Grant):
    return grant.allocations.filter(superseded_at__isnull=True).first()


def _advances_paid(grant: Grant) -> int:
    return int(
        Payment.objects.filter(claim__grant=grant, claim__kind=Claim.Kind.ADVANCE).aggregate(
            s=Sum("amount_jpy")
        )["s"]
        or 0
    )


def _paid_total(grant: Grant) -> int:
    return int(Payment.objects.filter(claim__grant=grant).aggregate(s=Sum("amount_jpy"))["s"] or 0)


def _refunded_total(grant: Grant) -> int:
    return int(grant.refund_orders.aggregate(s=Sum("amount_jpy"))["s"] or 0)


# --- documents (invoices, receipts, the implementation report, inspection records) -------------
def closing_document_add(
    *, actor: Any, grant: Grant, kind: str, upload: UploadedFile
) -> GrantDocument:
    """A file for the completion report or the final inspection (4.(6)②: 「請求書及び領収書等を
    添付」). The type allowlist, size limit and SHA-256 are the proposals' uploads' (the bytes
    were counted and hashed while they streamed in, ``renkei.proposals.uploads``)."""
    require(actor, "add_closing_document", grant)
    if kind not in DOCUMENT_KINDS:
        raise ServiceError(
            _("%(kind)s is not a kind of closing document; choose one of: %(kinds)s")
            % {"kind": kind or "—", "kinds": ", ".join(DOCUMENT_KINDS)}
        )
    checked = check_file(upload)
    with transaction.atomic():
        grant = locked(grant)
        _state(
            grant,
            (S.IMPLEMENTING, S.COMPLETED, S.STOPPED, S.COMPLETION_REPORTED, S.INSPECTED),
            _("Adding a closing document"),
        )
        # not yet tied to a record: the completion report takes them when it is submitted
        return store_document(
            actor=actor,
            grant=grant,
            kind=kind,
            upload=upload,
            checked=checked,
            action="closing_document_add",
        )


# --- completion (J06 → J09) --------------------------------------------------------------------
def grant_complete(
    *,
    actor: Any,
    grant: Grant,
    completed_on: dt.date,
    operation_started_on: dt.date,
    useful_life_years: int,
) -> Grant:
    """The project is complete: installation, test run and payments done (2.(11)), on or after
    the decision date and by the completion due date (2.(10)); a later completion is refused:
    a request to suspend or abolish is required (4.(10), spec A-31)."""
    require(actor, "complete_grant", grant)
    with transaction.atomic():
        grant = locked(grant)
        _state(grant, (S.IMPLEMENTING,), _("Recording the completion"))
        errors = []
        if grant.decided_on is None:
            errors.append(_("The grant has no decision date."))
        elif completed_on < grant.decided_on:
            errors.append(
                _(
                    "The completion date %(c)s is before the grant decision of %(g)s; the project "
                    "starts on or after the decision (2.(10), 4.(3))."
                )
                % {"c": completed_on, "g": grant.decided_on}
            )
        if completed_on > today():
            errors.append(
                _(
                    "The completion date %(c)s is in the future; record the completion once it has "
                    "happened."
                )
                % {"c": completed_on}
            )
        if grant.completion_due is not None and completed_on > grant.completion_due:
            errors.append(
                _(
                    "The completion date %(c)s is after the completion due date %(due)s (2.(10)). "
                    "A late completion is not recorded: submit a request to suspend or abolish the "
                    "project (4.(10): 「期限内に事業が完了しなかった場合も含め」)."
                )
                % {"c": completed_on, "due": grant.completion_due}
            )
        if grant.decided_on is not None and operation_started_on < grant.decided_on:
            errors.append(
                _("The start of operation %(o)s is before the grant decision of %(g)s.")
                % {"o": operation_started_on, "g": grant.decided_on}
            )
        if operation_started_on > today():
            errors.append(
                _(
                    "The start of operation %(o)s is in the future; record it once the equipment "
                    "operates."
                )
                % {"o": operation_started_on}
            )
        if (
            isinstance(useful_life_years, bool)
            or not isinstance(useful_life_years, int)
            or not (1 <= useful_life_years <= 100)
        ):
            errors.append(
                _(
                    "The statutory useful life must be a whole number of years from 1 to 100 (the "
                    "MoF ordinance on depreciable assets, 2.(1)② ※)."
                )
            )
        if errors:
            raise ServiceError(errors[0], errors=errors)
        grant.completed_on = completed_on
        grant.operation_started_on = operation_started_on
        grant.useful_life_years = useful_life_years
        move(
            grant,
            "_complete",
            actor,
            "grant_complete",
            completed_on=completed_on.isoformat(),
            operation_started_on=operation_started_on.isoformat(),
            useful_life_years=useful_life_years,
        )
        _refresh(grant)
        _tell(
            _office(),
            grant,
            gettext_noop("Grant project completed"),
            gettext_noop("%(number)s: the project was completed on %(day)s."),
            day=completed_on,
        )
    return grant


# --- the completion report (J09/J08 → J10) -----------------------------------------------------
def completion_report_due(grant: Grant, basis: dt.date):
    """The rules core's due date of the completion report: the earlier of the day 30 days after
    ``basis`` (counting it) and 10 March of its fiscal year (4.(6)②)."""
    from renkei.rules.jcm import deadline

    return rules(deadline, book_of(grant), "completion-report", basis)


def stop_approved_on(grant: Grant) -> dt.date | None:
    """The day (JST) the last approved suspension or abolition was approved, if any."""
    stop = (
        StopRequest.objects.filter(grant=grant, state=RequestState.APPROVED)
        .order_by("-decided_at")
        .first()
    )
    if stop is None or stop.decided_at is None:
        return None
    return stop.decided_at.astimezone(dt.timezone(dt.timedelta(hours=9))).date()


def excluded_clean(excluded: Any) -> list[dict[str, Any]]:
    """Lines taken out of the eligible cost (2.(7)): each with what it is, the fiscal year and
    category it was spent in, the yen and why (``ineligible`` or ``own_product_profit``)."""
    if excluded in (None, ""):
        return []
    if not isinstance(excluded, list):
        raise ServiceError(_("The excluded lines must be a list."))
    out, errors = [], []
    for n, line in enumerate(excluded, 1):
        if not isinstance(line, dict):
            errors.append(_("Excluded line %(n)s: give description, amount and reason.") % {"n": n})
            continue
        description = str(line.get("description") or "").strip()
        reason = str(line.get("reason") or "").strip()
        kind = line.get("kind") or "ineligible"
        if not description:
            errors.append(_("Excluded line %(n)s: say what the cost is.") % {"n": n})
        if not reason:
            errors.append(
                _(
                    "Excluded line %(n)s: give the reason it is not eligible (2.(7), e.g. spare "
                    "parts, own-product profit)."
                )
                % {"n": n}
            )
        if kind not in ("ineligible", "own_product_profit"):
            errors.append(
                _("Excluded line %(n)s: the kind is ineligible or own_product_profit.") % {"n": n}
            )
        try:
            amount = _yen(line.get("amount_jpy"), _("Excluded line %(n)s amount") % {"n": n})
        except ServiceError as exc:
            errors.append(str(exc))
            amount = 0
        category = line.get("category") or ""
        if category not in CATEGORIES:
            errors.append(
                _("Excluded line %(n)s: the category is one of %(known)s.")
                % {"n": n, "known": ", ".join(CATEGORIES)}
            )
        if len(description) > 300 or len(reason) > 2000:
            errors.append(_("Excluded line %(n)s: the text is too long.") % {"n": n})
        out.append(
            {
                "description": description,
                "fiscal_year": line.get("fiscal_year"),
                "category": category,
                "amount_jpy": amount,
                "kind": kind,
                "reason": reason,
            }
        )
    if errors:
        raise ServiceError(errors[0], errors=errors)
    return out


def completion_report_submit(
    *,
    actor: Any,
    grant: Grant,
    spending: dict,
    excluded: list,
    narrative: str,
    expected_annual_reduction_tco2: Any,
) -> CompletionReport:
    """The 完了実績報告書 (4.(6)②) after completion, or after an approved stop: the actual
    eligible cost by fiscal year and category (own products at cost, ineligible lines taken
    out with their reasons), the implementation report (実施報告書) and, where money was spent,
    invoices and receipts uploaded beforehand. A report after its due date is accepted and
    flagged late, with the clause."""
    require(actor, "submit_completion_report", grant)
    spending = budget_clean(spending, _("The actual eligible spending"))
    excluded = excluded_clean(excluded)
    narrative = _text(narrative, _("The implementation report (実施報告書)"))
    expected = (
        None
        if expected_annual_reduction_tco2 in (None, "")
        else _tco2(expected_annual_reduction_tco2, _("The expected annual reduction"))
    )
    with transaction.atomic():
        grant = locked(grant)
        _state(grant, (S.COMPLETED, S.STOPPED), _("Submitting the completion report"))
        after_stop = grant.state == S.STOPPED
        basis = grant.completed_on if not after_stop else stop_approved_on(grant)
        if basis is None:
            raise ServiceError(_("The completion date (or the approval of the stop) is missing."))
        errors = []
        last_fy = fiscal_year(basis)
        first_fy = fiscal_year(grant.decided_on) if grant.decided_on else last_fy
        for fy in spending:
            if not first_fy <= int(fy) <= last_fy:
                errors.append(
                    _(
                        "FY%(fy)s: spending is counted from the decision's fiscal year FY%(first)s "
                        "to the completion's FY%(last)s."
                    )
                    % {"fy": fy, "first": first_fy, "last": last_fy}
                )
        for cat in CATEGORIES:
            spent = sum(row[cat] for row in spending.values())
            taken = sum(e["amount_jpy"] for e in excluded if e["category"] == cat)
            if taken > spent:
                errors.append(
                    _(
                        "The excluded %(cat)s lines total %(taken)s yen, more than the %(spent)s "
                        "yen spent on it; the spending is the actual cost, the excluded lines "
                        "the part of it that is not eligible (2.(7))."
                    )
                    % {"cat": cat, "taken": f"{taken:,}", "spent": f"{spent:,}"}
                )
        total = sum(sum(row.values()) for row in spending.values())
        if total > 0:
            kinds = set(
                grant.documents.filter(record_id__isnull=True).values_list("kind", flat=True)
            )
            for kind in ("invoice", "receipt"):
                if kind not in kinds:
                    errors.append(
                        _(
                            "Upload the %(kind)s of the spending first: the report attaches "
                            "invoices and receipts (4.(6)② 「請求書及び領収書等を添付」)."
                        )
                        % {"kind": DOCUMENT_KINDS[kind]}
                    )
        if not after_stop and expected is None:
            errors.append(
                _(
                    "Give the expected annual GHG reduction at completion (tCO2/year): the annual "
                    "reports are measured against it (4.(8))."
                )
            )
        if errors:
            raise ServiceError(errors[0], errors=errors)
        due = completion_report_due(grant, basis)
        day = today()
        report = CompletionReport.objects.create(
            grant=grant,
            spending=spending,
            excluded=excluded,
            narrative=narrative,
            expected_annual_reduction_tco2=expected,
            due_on=due.due,
            basis_on=basis,
            after_stop=after_stop,
            late=day > due.due,
            submitted_by=actor,
        )
        grant.documents.filter(record_id__isnull=True, kind__in=list(DOCUMENT_KINDS)).update(
            record_type=CLOSING_RECORD, record_id=report.pk
        )
        move(
            grant,
            "_report_completion",
            actor,
            "completion_report_submit",
            report=report.pk,
            due_on=due.due.isoformat(),
            late=report.late,
            spending=spending,
        )
        _refresh(grant)
        _tell(
            _office(),
            grant,
            gettext_noop("Completion report submitted"),
            gettext_noop("%(number)s: the completion report was submitted (due %(due)s)."),
            due=due.due,
        )
    return report


# --- final inspection (J10 → J11) --------------------------------------------------------------
def final_inspection_record(
    *,
    actor: Any,
    grant: Grant,
    inspected_on: dt.date,
    on_site: bool,
    no_site_reason: str,
    representative_attended: bool,
    attendees: str,
    findings: str,
    corrections: str,
    corrections_done_on: dt.date | None = None,
) -> FinalInspection:
    """The 確定検査: documents and, in principle, on site (4.(7)) with the representative
    present (2.(11) 「代表事業者は必須」); without a site visit, why (4.(6)②, spec A-10);
    findings and the corrections asked (and when they were done)."""
    require(actor, "record_final_inspection", grant)
    no_site_reason = _text(no_site_reason, _("The reason for no site visit"), required=False)
    attendees = _text(attendees, _("Attendees"), required=False)
    findings = _text(findings, _("Findings"), required=False)
    corrections = _text(corrections, _("Corrections asked"), required=False)
    with transaction.atomic():
        grant = locked(grant)
        _state(grant, (S.COMPLETION_REPORTED,), _("Recording the final inspection"))
        report = grant.completion_report
        errors = []
        if inspected_on < report.submitted_at.astimezone(dt.timezone(dt.timedelta(hours=9))).date():
            errors.append(
                _("The inspection date %(d)s is before the completion report was submitted.")
                % {"d": inspected_on}
            )
        if inspected_on > today():
            errors.append(_("The inspection date %(d)s is in the future.") % {"d": inspected_on})
        if not on_site and not no_site_reason:
            errors.append(
                _(
                    "The final inspection is on site in principle (4.(7)); without a site visit, "
                    "give the reason (spec A-10)."
                )
            )
        if on_site and not representative_attended:
            errors.append(
                _(
                    "The representative participant must attend the site inspection (2.(11) "
                    "「代表事業者は必須」); record it once they did."
                )
            )
        if corrections_done_on is not None and not corrections:
            errors.append(_("Corrections done are recorded only with the corrections asked."))
        if corrections_done_on is not None and corrections_done_on < inspected_on:
            errors.append(_("Corrections cannot be done before the inspection."))
        if errors:
            raise ServiceError(errors[0], errors=errors)
        inspection = FinalInspection.objects.create(
            grant=grant,
            inspected_on=inspected_on,
            on_site=on_site,
            no_site_reason="" if on_site else no_site_reason,
            representative_attended=representative_attended,
            attendees=attendees,
            findings=findings,
            corrections=corrections,
            corrections_done_on=corrections_done_on,
            recorded_by=actor,
        )
        move(
            grant,
            "_inspect",
            actor,
            "final_inspection_record",
            inspection=inspection.pk,
            on_site=on_site,
            corrections=bool(corrections),
        )
        _refresh(grant)
        _tell(
            _consortium(grant),
            grant,
            gettext_noop("Final inspection recorded"),
            gettext_noop("%(number)s: the final inspection of %(day)s was recorded."),
            day=inspected_on,
        )
    return inspection


def final_inspection_corrections_done(
    *, actor: Any, inspection: FinalInspection, done_on: dt.date
) -> FinalInspection:
    """The office records that the corrections it asked for were made (before the amount is
    fixed)."""
    require(actor, "record_final_inspection", inspection.grant)
    with transaction.atomic():
        grant = locked(inspection.grant)
        inspection = FinalInspection.objects.select_for_update().get(pk=inspection.pk)
        if not inspection.corrections:
            raise ServiceError(_("No corrections were asked at this inspection."))
        if inspection.corrections_done_on is not None:
            raise ServiceError(
                _("The corrections were already recorded as done on %(d)s.")
                % {"d": inspection.corrections_done_on}
            )
        if done_on < inspection.inspected_on or done_on > today():
            raise ServiceError(
                _("The corrections are done between the inspection (%(i)s) and today.")
                % {"i": inspection.inspected_on}
            )
        inspection.corrections_done_on = done_on
        inspection.save(update_fields=["corrections_done_on"])
        audit_record(
            actor=actor,
            obj=grant,
            action="final_inspection_corrections_done",
            payload={"done_on": done_on.isoformat()},
        )
        _refresh(grant)
    return inspection


# --- the fixed amount (J11 → J12) --------------------------------------------------------------
def fixed_amount_of(grant: Grant, *, advances_jpy: int):
    """The rules core's computation for the grant as it stands (``FixedAmount``)."""
    from renkei.rules.jcm import fixed_amount

    decision = grant.decision
    allocation = _current_allocation(grant)
    report = grant.completion_report
    return rules(
        fixed_amount,
        book_of(grant),
        decided_amount_jpy=allocation.amount_jpy if allocation else decision.amount_jpy,
        rate=Decimal(decision.rate),
        decided_budget={int(k): v for k, v in (allocation.budget if allocation else {}).items()},
        actual={int(k): v for k, v in report.spending.items()},
        excluded=tuple(report.excluded),
        advances_jpy=advances_jpy,
    )


def amount_fix(*, actor: Any, grant: Grant, fixed_on: dt.date) -> AmountFixing:
    """The 額の確定 (4.(6)②, 2.(8)): the rules core's ``fixed_amount`` on the decision, the
    allocation in force and the completion report, stored line by line; advances above it
    are ordered back (4.(7)); with nothing left to pay, the grant is settled without a
    final payment."""
    require(actor, "fix_amount", grant)
    with transaction.atomic():
        grant = locked(grant)
        _state(grant, (S.INSPECTED,), _("Fixing the amount"))
        inspection = grant.final_inspection
        if inspection.corrections and inspection.corrections_done_on is None:
            raise ServiceError(
                _(
                    "The corrections asked at the final inspection are not recorded as done; "
                    "record them first."
                )
            )
        if fixed_on < inspection.inspected_on or fixed_on > today():
            raise ServiceError(
                _("The amount is fixed between the final inspection (%(i)s) and today.")
                % {"i": inspection.inspected_on}
            )
        unpaid = Claim.objects.filter(grant=grant, payment__isnull=True).first()
        if unpaid is not None:
            raise ServiceError(
                _(
                    "The advance claim for FY%(fy)s is not paid yet; record its payment first, "
                    "since the fixed amount nets the advances paid (4.(7))."
                )
                % {"fy": unpaid.fiscal_year}
            )
        advances = _advances_paid(grant)
        result = fixed_amount_of(grant, advances_jpy=advances)
        fixing = AmountFixing.objects.create(
            grant=grant,
            number=f"{grant.number}-K",
            fixed_on=fixed_on,
            amount_jpy=result.amount_jpy,
            advances_jpy=advances,
            computation={
                "lines": [dict(line) for line in result.lines],
                "final_payment_jpy": result.final_payment_jpy,
                "refund_jpy": result.refund_jpy,
                "clause": getattr(result, "clause", "4.(6)②"),
                "reading": getattr(result, "reading", "") or "",
                # the readings the computation rests on, in both languages (shown with it)
                "notes": {lang: result.to_dict(lang)["notes"] for lang in ("ja", "en")},
            },
            fixed_by=actor,
        )
        move(
            grant,
            "_fix_amount",
            actor,
            "amount_fix",
            amount_jpy=result.amount_jpy,
            advances_jpy=advances,
        )
        if result.refund_jpy > 0:
            order = RefundOrder.objects.create(
                grant=grant,
                reason=RefundOrder.Reason.EXCESS_ADVANCE,
                amount_jpy=result.refund_jpy,
                ordered_on=fixed_on,
                ordered_by=actor,
            )
            audit_record(
                actor=actor,
                obj=grant,
                action="refund_order_issue",
                payload={"order": order.pk, "amount_jpy": order.amount_jpy, "reason": order.reason},
            )
        if result.final_payment_jpy == 0:
            move(grant, "_settle_without_payment", actor, "grant_settle_without_payment")
        _refresh(grant)
        _tell(
            _consortium(grant),
            grant,
            gettext_noop("Amount fixed (交付額確定通知)"),
            gettext_noop("%(number)s: the grant amount was fixed at %(amount)s yen."),
            amount=f"{result.amount_jpy:,}",
        )
    return fixing


# --- claims and payments (J12 → J13 → J14) -----------------------------------------------------
def payment_due(grant: Grant, received_on: dt.date):
    """30 April of the fiscal year after the one the claim was received in (4.(7))."""
    from renkei.rules.jcm import deadline

    return rules(deadline, book_of(grant), "payment", received_on)


def claim_submit(
    *,
    actor: Any,
    grant: Grant,
    kind: str,
    received_on: dt.date,
    fiscal_year: int | None = None,
    amount_jpy: int | None = None,
) -> Claim:
    """A payment claim. ``final``: once the amount is fixed, the fixed amount less the advances
    paid (4.(7) 精算払), at most once. ``advance``: during implementation, for a fiscal year
    whose year-end report is in, at most that year's results × the decided rate and, with the
    other advances, the decided amount (reading ``closing.reading.advance_per_fiscal_year``)."""
    require(actor, "submit_claim", grant)
    if kind not in Claim.Kind.values:
        raise ServiceError(
            _("The kind of claim is advance or final (got %(kind)r).") % {"kind": kind}
        )
    with transaction.atomic():
        grant = locked(grant)
        if received_on > today():
            raise ServiceError(
                _("The claim's date of receipt %(d)s is in the future.") % {"d": received_on}
            )
        if kind == Claim.Kind.FINAL:
            _state(grant, (S.AMOUNT_FIXED,), _("Claiming the final settlement"))
            fixing = grant.amount_fixing
            final = int(fixing.computation["final_payment_jpy"])
            if amount_jpy not in (None, final):
                raise ServiceError(
                    _(
                        "The final claim is the fixed amount less the advances paid: %(final)s yen "
                        "(4.(7)), not %(amount)s yen."
                    )
                    % {
                        "final": f"{final:,}",
                        "amount": f"{amount_jpy:,}" if isinstance(amount_jpy, int) else amount_jpy,
                    }
                )
            if received_on < fixing.fixed_on:
                raise ServiceError(
                    _("The final claim is received on or after the amount was fixed (%(d)s).")
                    % {"d": fixing.fixed_on}
                )
            if Claim.objects.filter(grant=grant, kind=Claim.Kind.FINAL).exists():
                raise ServiceError(_("The final settlement was already claimed."))
            amount, fy = final, None
        else:
            _state(grant, (S.IMPLEMENTING,), _("Claiming an advance"))
            if isinstance(fiscal_year, bool) or not isinstance(fiscal_year, int):
                raise ServiceError(_("Give the fiscal year the advance is for, e.g. 2024."))
            report = YearEndReport.objects.filter(grant=grant, fiscal_year=fiscal_year).first()
            if report is None:
                raise ServiceError(
                    _(
                        "An advance for FY%(fy)s is claimed after that year's year-end report "
                        "(4.(6)①, 4.(7) 「同様の手続きを経て」); submit the report first."
                    )
                    % {"fy": fiscal_year}
                )
            if Claim.objects.filter(
                grant=grant, kind=Claim.Kind.ADVANCE, fiscal_year=fiscal_year
            ).exists():
                raise ServiceError(
                    _("The advance for FY%(fy)s was already claimed.") % {"fy": fiscal_year}
                )
            amount = _yen(amount_jpy, _("The advance"))
            rate = Decimal(grant.decision.rate)
            results = sum(int(v) for v in (report.spending or {}).values())
            limit = int((Decimal(results) * rate).to_integral_value(rounding="ROUND_FLOOR"))
            allocation = _current_allocation(grant)
            decided = allocation.amount_jpy if allocation else grant.decision.amount_jpy
            claimed = int(
                Claim.objects.filter(grant=grant, kind=Claim.Kind.ADVANCE).aggregate(
                    s=Sum("amount_jpy")
                )["s"]
                or 0
            )
            if amount == 0:
                raise ServiceError(_("The advance must be more than 0 yen."))
            if amount > limit:
                raise ServiceError(
                    _(
                        "The advance for FY%(fy)s is at most that year's results %(results)s yen × "
                        "the rate %(rate)s = %(limit)s yen (4.(7) 「その実績に応じた額」)."
                    )
                    % {
                        "fy": fiscal_year,
                        "results": f"{results:,}",
                        "rate": rate,
                        "limit": f"{limit:,}",
                    }
                )
            if claimed + amount > decided:
                raise ServiceError(
                    _(
                        "The advances would total %(total)s yen, above the decided amount of "
                        "%(decided)s yen (2.(9))."
                    )
                    % {"total": f"{claimed + amount:,}", "decided": f"{decided:,}"}
                )
            fy = fiscal_year
        due = payment_due(grant, received_on)
        claim = Claim.objects.create(
            grant=grant,
            kind=kind,
            fiscal_year=fy,
            amount_jpy=amount,
            received_on=received_on,
            due_on=due.due,
            submitted_by=actor,
        )
        if kind == Claim.Kind.FINAL:
            move(grant, "_claim", actor, "claim_submit", claim=claim.pk, amount_jpy=amount)
        else:
            audit_record(
                actor=actor,
                obj=grant,
                action="claim_submit",
                payload={"claim": claim.pk, "kind": kind, "fiscal_year": fy, "amount_jpy": amount},
            )
        _refresh(grant)
        _tell(
            _office(),
            grant,
            gettext_noop("Payment claimed"),
            gettext_noop("%(number)s: a payment of %(amount)s yen was claimed; pay by %(due)s."),
            amount=f"{amount:,}",
            due=due.due,
        )
    return claim


def payment_record(*, actor: Any, claim: Claim, paid_on: dt.date, amount_jpy: int) -> Payment:
    """The office pays a claim: once (the claim's payment is one-to-one, decided on the grant's
    locked row, so two office users recording it at once cannot both succeed), never more than
    claimed, not before it was received. The final settlement's payment moves the grant to
    paid (the years after completion)."""
    require(actor, "record_payment", claim.grant)
    amount = _yen(amount_jpy, _("The payment"))
    with transaction.atomic():
        grant = locked(claim.grant)
        claim = Claim.objects.select_for_update().get(pk=claim.pk)
        if Payment.objects.filter(claim=claim).exists():
            paid = claim.payment
            raise ServiceError(
                _(
                    "This claim was already paid: %(amount)s yen on %(day)s. No amount is paid "
                    "twice."
                )
                % {"amount": f"{paid.amount_jpy:,}", "day": paid.paid_on}
            )
        if amount == 0 or amount > claim.amount_jpy:
            raise ServiceError(
                _(
                    "The payment is more than 0 and at most the %(claimed)s yen claimed (got "
                    "%(amount)s yen)."
                )
                % {"claimed": f"{claim.amount_jpy:,}", "amount": f"{amount:,}"}
            )
        if paid_on < claim.received_on or paid_on > today():
            raise ServiceError(
                _("The payment date is between the claim's receipt (%(r)s) and today.")
                % {"r": claim.received_on}
            )
        if grant.state == S.CANCELLED:
            raise ServiceError(_("The grant decision was cancelled: nothing more is paid."))
        payment = Payment.objects.create(
            claim=claim,
            claimed_jpy=claim.amount_jpy,
            amount_jpy=amount,
            paid_on=paid_on,
            recorded_by=actor,
        )
        payload = {"claim": claim.pk, "amount_jpy": amount, "paid_on": paid_on.isoformat()}
        if claim.kind == Claim.Kind.FINAL:
            move(grant, "_pay", actor, "payment_record", **payload)
        else:
            audit_record(actor=actor, obj=grant, action="payment_record", payload=payload)
        _refresh(grant)
        _tell(
            _consortium(grant),
            grant,
            gettext_noop("Payment made"),
            gettext_noop("%(number)s: %(amount)s yen were paid on %(day)s."),
            amount=f"{amount:,}",
            day=paid_on,
        )
    return payment


# --- refunds (J91 → J92) -----------------------------------------------------------------------
def refund_order_issue(
    *,
    actor: Any,
    grant: Grant,
    reason: str,
    amount_jpy: int,
    ordered_on: dt.date,
    due_on: dt.date | None = None,
    cancellation: Cancellation | None = None,
) -> RefundOrder:
    """A 返還命令 (4.(7), 4.(10)): never above what was paid less what was already ordered
    back. The due date and any interest are the 交付規程's (spec A-03): the office enters them."""
    require(actor, "issue_refund_order", grant)
    if reason not in RefundOrder.Reason.values:
        raise ServiceError(
            _("The reason is one of: %(reasons)s.")
            % {"reasons": ", ".join(RefundOrder.Reason.values)}
        )
    amount = _yen(amount_jpy, _("The refund"))
    with transaction.atomic():
        grant = locked(grant)
        return _refund_order(
            actor, grant, reason, amount, ordered_on, due_on, cancellation=cancellation
        )


def _refund_order(actor, grant, reason, amount, ordered_on, due_on, *, cancellation=None):
    if amount == 0:
        raise ServiceError(_("A refund order is for more than 0 yen."))
    open_to_order = _paid_total(grant) - _refunded_total(grant)
    if amount > open_to_order:
        raise ServiceError(
            _(
                "A refund of %(amount)s yen is more than was paid and not yet ordered back "
                "(%(open)s yen)."
            )
            % {"amount": f"{amount:,}", "open": f"{max(open_to_order, 0):,}"}
        )
    if ordered_on > today():
        raise ServiceError(_("The order date %(d)s is in the future.") % {"d": ordered_on})
    if due_on is not None and due_on < ordered_on:
        raise ServiceError(_("The refund is due on or after the order date."))
    order = RefundOrder.objects.create(
        grant=grant,
        reason=reason,
        amount_jpy=amount,
        ordered_on=ordered_on,
        due_on=due_on,
        cancellation=cancellation,
        ordered_by=actor,
    )
    audit_record(
        actor=actor,
        obj=grant,
        action="refund_order_issue",
        payload={"order": order.pk, "amount_jpy": amount, "reason": reason},
    )
    _refresh(grant)
    _tell(
        _consortium(grant),
        grant,
        gettext_noop("Refund ordered (返還命令)"),
        gettext_noop("%(number)s: a refund of %(amount)s yen was ordered."),
        amount=f"{amount:,}",
    )
    return order


def refund_record(
    *, actor: Any, order: RefundOrder, refunded_on: dt.date, refunded_jpy: int
) -> RefundOrder:
    """The refund received (once): at least the amount ordered (interest, if the 交付規程 sets
    any, on top: spec A-03)."""
    require(actor, "record_refund", order.grant)
    refunded = _yen(refunded_jpy, _("The refund received"))
    with transaction.atomic():
        grant = locked(order.grant)
        order = RefundOrder.objects.select_for_update().get(pk=order.pk)
        if order.refunded_on is not None:
            raise ServiceError(
                _("This refund was already recorded on %(d)s.") % {"d": order.refunded_on}
            )
        if refunded < order.amount_jpy:
            raise ServiceError(
                _(
                    "The refund received (%(got)s yen) is less than the %(amount)s yen ordered; "
                    "record it once the whole amount is refunded."
                )
                % {"got": f"{refunded:,}", "amount": f"{order.amount_jpy:,}"}
            )
        if refunded_on < order.ordered_on or refunded_on > today():
            raise ServiceError(
                _("The refund date is between the order (%(o)s) and today.")
                % {"o": order.ordered_on}
            )
        order.refunded_on, order.refunded_jpy, order.refund_recorded_by = (
            refunded_on,
            refunded,
            actor,
        )
        order.save(update_fields=["refunded_on", "refunded_jpy", "refund_recorded_by"])
        audit_record(
            actor=actor,
            obj=grant,
            action="refund_record",
            from_state="ordered",
            to_state="refunded",
            payload={"order": order.pk, "refunded_jpy": refunded},
        )
        _refresh(grant)
    return order


# --- the acquired-property ledger and disposals (4.(8)) ----------------------------------------
AFTER_COMPLETION = (
    S.COMPLETED,
    S.COMPLETION_REPORTED,
    S.INSPECTED,
    S.AMOUNT_FIXED,
    S.CLAIMED,
    S.PAID,
)


def disposal_verdict(grant: Grant, item: PropertyItem, day: dt.date):
    from renkei.rules.jcm import disposal

    return rules(
        disposal,
        book_of(grant),
        unit_price_jpy=item.unit_price_jpy,
        operation_start=item.operation_started_on or grant.operation_started_on or item.acquired_on,
        useful_life_years=item.useful_life_years,
        day=day,
    )


def property_item_add(
    *,
    actor: Any,
    grant: Grant,
    name: str,
    site: str,
    quantity: int,
    unit_price_jpy: int,
    acquired_on: dt.date,
    operation_started_on: dt.date | None,
    useful_life_years: int,
    location: str,
) -> PropertyItem:
    """A line of the 取得財産等管理台帳 (4.(8)): the rules core gives the day its disposal
    restriction ends (operation + statutory useful life) and whether it needs approval (a unit
    price of JPY 500,000 or more)."""
    require(actor, "add_property_item", grant)
    name = _text(name, _("The item"), limit=200)
    site = _text(site, _("The site"), required=False, limit=120)
    location = _text(location, _("The location"), required=False, limit=300)
    unit_price = _yen(unit_price_jpy, _("The unit price"))
    if (
        isinstance(quantity, bool)
        or not isinstance(quantity, int)
        or not 1 <= quantity <= 1_000_000
    ):
        raise ServiceError(_("The quantity is a whole number from 1 to 1,000,000."))
    if (
        isinstance(useful_life_years, bool)
        or not isinstance(useful_life_years, int)
        or not 1 <= useful_life_years <= 100
    ):
        raise ServiceError(
            _(
                "The statutory useful life must be a whole number of years from 1 to 100 (the MoF "
                "ordinance on depreciable assets, 2.(1)② ※)."
            )
        )
    with transaction.atomic():
        grant = locked(grant)
        _state(grant, (S.IMPLEMENTING, *AFTER_COMPLETION), _("Adding to the property ledger"))
        if grant.decided_on and acquired_on < grant.decided_on:
            raise ServiceError(
                _("The item was acquired on %(a)s, before the grant decision of %(g)s (4.(3)①).")
                % {"a": acquired_on, "g": grant.decided_on}
            )
        if acquired_on > today():
            raise ServiceError(
                _("The acquisition date %(d)s is in the future.") % {"d": acquired_on}
            )
        if operation_started_on is not None and operation_started_on < acquired_on:
            raise ServiceError(_("The item cannot operate before it was acquired."))
        item = PropertyItem(
            grant=grant,
            name=name,
            site=site,
            quantity=quantity,
            unit_price_jpy=unit_price,
            acquired_on=acquired_on,
            operation_started_on=operation_started_on,
            useful_life_years=useful_life_years,
            location=location,
            recorded_by=actor,
        )
        verdict = disposal_verdict(grant, item, today())
        item.restriction_ends = verdict.restriction_ends
        item.approval_required = unit_price >= DISPOSAL_THRESHOLD_JPY
        item.save()
        audit_record(
            actor=actor,
            obj=grant,
            action="property_item_add",
            payload={"item": item.pk, "name": name, "unit_price_jpy": unit_price},
        )
        _refresh(grant)
    return item


def disposal_request_submit(
    *,
    actor: Any,
    item: PropertyItem,
    kind: str,
    planned_on: dt.date,
    counterparty: str,
    reason: str,
    foreign_member: bool = False,
) -> DisposalRequest:
    """A 財産処分申請 (4.(8)), filed before the act (a mortgage is a disposal too: 「抵当権を設定
    する前に」); with the rules core's verdict. A transfer to a foreign member of the
    consortium is also its prior report (reading ``closing.reading.disposal_foreign_member``).
    An item that needs no approval on that day is refused with why: record its disposal."""
    grant = item.grant
    require(actor, "submit_disposal_request", grant)
    if kind not in DisposalRequest.Kind.values:
        raise ServiceError(
            _("The kind of disposal is one of: %(kinds)s.")
            % {"kinds": ", ".join(DisposalRequest.Kind.values)}
        )
    reason = _text(reason, _("The reason"))
    counterparty = _text(counterparty, _("The counterparty"), required=False, limit=200)
    if foreign_member and kind != DisposalRequest.Kind.SELL:
        raise ServiceError(_("A transfer to a foreign consortium member is a sale or transfer."))
    with transaction.atomic():
        grant = locked(grant)
        item = PropertyItem.objects.select_for_update().get(pk=item.pk)
        _state(grant, (S.IMPLEMENTING, *AFTER_COMPLETION), _("Requesting a disposal"))
        if item.disposed_on is not None:
            raise ServiceError(_("This item was disposed of on %(d)s.") % {"d": item.disposed_on})
        if planned_on < today():
            raise ServiceError(
                _(
                    "The disposal is requested in advance (4.(8) 「あらかじめ」): the planned date "
                    "%(d)s "
                    "has passed."
                )
                % {"d": planned_on}
            )
        if item.disposals.filter(state=RequestState.SUBMITTED).exists():
            raise ServiceError(
                _("A disposal request for this item is waiting for the office's decision.")
            )
        verdict = disposal_verdict(grant, item, planned_on)
        if not verdict.approval_required and not foreign_member:
            raise ServiceError(
                _(
                    "No approval is needed for this item on %(d)s (4.(8): unit price %(price)s "
                    "yen, restriction ends %(end)s); record its disposal instead."
                )
                % {
                    "d": planned_on,
                    "price": f"{item.unit_price_jpy:,}",
                    "end": verdict.restriction_ends,
                }
            )
        request = DisposalRequest.objects.create(
            item=item,
            kind=kind,
            planned_on=planned_on,
            counterparty=counterparty,
            foreign_member=foreign_member,
            reason=reason,
            verdict={
                **verdict.to_dict("en"),
                "reading_message_ja": verdict.to_dict("ja")["reading_message"],
            },
            state=RequestState.SUBMITTED,
            submitted_by=actor,
        )
        audit_record(
            actor=actor,
            obj=grant,
            action="disposal_request_submit",
            to_state=RequestState.SUBMITTED,
            payload={"request": request.pk, "item": item.pk, "kind": kind},
        )
        _refresh(grant)
        _tell(
            _office(),
            grant,
            gettext_noop("Disposal approval requested"),
            gettext_noop("%(number)s: approval is requested to dispose of %(item)s on %(day)s."),
            item=item.name,
            day=planned_on,
        )
    return request


def disposal_request_decide(
    *, actor: Any, disposal: DisposalRequest, approve: bool, reason: str
) -> DisposalRequest:
    """The office approves or refuses a disposal request (4.(8)); a refusal says why."""
    grant = disposal.item.grant
    require(actor, "decide_disposal_request", grant)
    reason = _text(reason, _("The reason"), required=not approve)
    with transaction.atomic():
        grant = locked(grant)
        disposal = DisposalRequest.objects.select_for_update().get(pk=disposal.pk)
        if disposal.state != RequestState.SUBMITTED:
            raise ServiceError(
                _("This request was already decided: %(state)s.")
                % {"state": disposal.get_state_display()}
            )
        disposal.state = RequestState.APPROVED if approve else RequestState.REFUSED
        disposal.decided_at, disposal.decided_by, disposal.decision_reason = (
            clock.now(),
            actor,
            reason,
        )
        disposal.save()
        audit_record(
            actor=actor,
            obj=grant,
            action="disposal_request_decide",
            from_state=RequestState.SUBMITTED,
            to_state=disposal.state,
            payload={"request": disposal.pk},
        )
        _refresh(grant)
        _tell(
            _consortium(grant),
            grant,
            gettext_noop("Disposal request decided"),
            gettext_noop("%(number)s: the request to dispose of %(item)s was %(decision)s."),
            item=disposal.item.name,
            decision=disposal.get_state_display(),
        )
    return disposal


def property_item_dispose(*, actor: Any, item: PropertyItem, disposed_on: dt.date) -> PropertyItem:
    """Record that an item was disposed of: inside its restriction period an item of JPY
    500,000 or more needs an approved request first (4.(8)); refused otherwise, with the
    clause."""
    grant = item.grant
    require(actor, "submit_disposal_request", grant)
    with transaction.atomic():
        grant = locked(grant)
        item = PropertyItem.objects.select_for_update().get(pk=item.pk)
        if item.disposed_on is not None:
            raise ServiceError(_("This item was disposed of on %(d)s.") % {"d": item.disposed_on})
        if disposed_on > today():
            raise ServiceError(_("Record the disposal once it has happened."))
        verdict = disposal_verdict(grant, item, disposed_on)
        approved = item.disposals.filter(state=RequestState.APPROVED).exists()
        if verdict.approval_required and not approved:
            raise ServiceError(
                _(
                    "%(item)s (unit price %(price)s yen) is inside its disposal restriction until "
                    "%(end)s: disposing of it (selling, lending, mortgaging, scrapping…) needs the "
                    "office's prior approval (4.(8)). Submit a disposal request first."
                )
                % {
                    "item": item.name,
                    "price": f"{item.unit_price_jpy:,}",
                    "end": verdict.restriction_ends,
                }
            )
        item.disposed_on = disposed_on
        item.save(update_fields=["disposed_on"])
        audit_record(
            actor=actor,
            obj=grant,
            action="property_item_dispose",
            payload={"item": item.pk, "disposed_on": disposed_on.isoformat(), "approved": approved},
        )
        _refresh(grant)
    return item


# --- annual project reports to MOEJ (2.(1)②, 4.(8)) -------------------------------------------
def annual_periods(grant: Grant) -> list[dict[str, Any]]:
    """The reporting periods of the useful life from the rules core: operation to 31 December,
    then each calendar year to the life's end; ``due`` None: the call sets none (spec A-21)."""
    from renkei.rules.jcm import deadline

    if grant.operation_started_on is None or grant.useful_life_years is None:
        return []
    result = rules(
        deadline,
        book_of(grant),
        "annual-report",
        grant.operation_started_on,
        useful_life_years=grant.useful_life_years,
    )
    periods = []
    for p in result.extra["reports"]:
        start, end = p["period_start"], p["period_end"]
        periods.append(
            {
                "period_start": start
                if isinstance(start, dt.date)
                else dt.date.fromisoformat(start),
                "period_end": end if isinstance(end, dt.date) else dt.date.fromisoformat(end),
                "due": p.get("due"),
            }
        )
    return periods


def expected_for_period(grant: Grant, start: dt.date, end: dt.date) -> Decimal | None:
    """The expected reduction for a period (reading
    ``closing.reading.annual_expected_prorated``)."""
    report = getattr(grant, "completion_report", None)
    if report is None or report.expected_annual_reduction_tco2 is None:
        return None
    year_days = (dt.date(end.year, 12, 31) - dt.date(end.year, 1, 1)).days + 1
    days = (end - start).days + 1
    value = (
        Decimal(report.expected_annual_reduction_tco2)
        * Decimal(min(days, year_days))
        / Decimal(year_days)
    )
    return value.quantize(Decimal("0.001"), rounding=ROUND_HALF_UP)


def annual_report_submit(
    *,
    actor: Any,
    grant: Grant,
    period_start: dt.date,
    period_end: dt.date,
    reductions_tco2: Any,
    operating_status: str,
    property_status: str,
    shortfall_reason: str,
) -> AnnualReport:
    """The 事業報告書 for one period of the useful life (periods from the rules core), once the
    period has ended; reductions below the expected ones need the reason (4.(8), AP3/A-34)."""
    require(actor, "submit_annual_report", grant)
    reductions = _tco2(reductions_tco2, _("The reductions"))
    operating_status = _text(operating_status, _("The operating status"))
    property_status = _text(property_status, _("The property management status"))
    shortfall_reason = _text(shortfall_reason, _("The shortfall reason"), required=False)
    with transaction.atomic():
        grant = locked(grant)
        _state(grant, AFTER_COMPLETION, _("Submitting an annual project report"))
        periods = annual_periods(grant)
        match = next(
            (
                p
                for p in periods
                if p["period_start"] == period_start and p["period_end"] == period_end
            ),
            None,
        )
        if match is None:
            listed = ", ".join(f"{p['period_start']}–{p['period_end']}" for p in periods[:3])
            raise ServiceError(
                _(
                    "%(start)s–%(end)s is not a reporting period of this grant: the first runs "
                    "from the start of operation to 31 December, then each calendar year to the "
                    "end of the useful life (2.(1)②), e.g. %(periods)s."
                )
                % {"start": period_start, "end": period_end, "periods": listed or "—"}
            )
        if period_end >= today():
            raise ServiceError(
                _("The period %(start)s–%(end)s has not ended yet; report on it after %(end)s.")
                % {"start": period_start, "end": period_end}
            )
        if AnnualReport.objects.filter(grant=grant, period_start=period_start).exists():
            raise ServiceError(_("The report for this period was already submitted."))
        expected = expected_for_period(grant, period_start, period_end)
        if expected is not None and reductions < expected and not shortfall_reason:
            raise ServiceError(
                _(
                    "The reductions (%(got)s t) are below the expected %(expected)s t for this "
                    "period: give the reason "
                    "(4.(8) 「やむを得ず達成できない場合には事業報告書にその理由を付記」)."
                )
                % {"got": reductions, "expected": expected}
            )
        report = AnnualReport.objects.create(
            grant=grant,
            period_start=period_start,
            period_end=period_end,
            reductions_tco2=reductions,
            operating_status=operating_status,
            property_status=property_status,
            shortfall_reason=shortfall_reason,
            expected_tco2=expected,
            submitted_by=actor,
        )
        audit_record(
            actor=actor,
            obj=grant,
            action="annual_report_submit",
            payload={"report": report.pk, "period_start": period_start.isoformat()},
        )
        _refresh(grant)
        _tell(
            _office(),
            grant,
            gettext_noop("Annual project report submitted"),
            gettext_noop("%(number)s: the project report for %(start)s–%(end)s was submitted."),
            start=period_start,
            end=period_end,
        )
    return report


# --- corporate changes (4.(9)) -----------------------------------------------------------------
def corporate_change_report(
    *, actor: Any, grant: Grant, kind: str, effective_on: dt.date, description: str
) -> CorporateChange:
    """A merger, integration, name or address change, reported without delay (4.(9))."""
    require(actor, "report_corporate_change", grant)
    if kind not in CorporateChange.Kind.values:
        raise ServiceError(
            _("The kind of change is one of: %(kinds)s.")
            % {"kinds": ", ".join(CorporateChange.Kind.values)}
        )
    description = _text(description, _("The description"))
    with transaction.atomic():
        grant = locked(grant)
        _state(grant, AFTER_COMPLETION, _("Reporting a corporate change"))
        if effective_on > today() + dt.timedelta(days=366):
            raise ServiceError(
                _("The change takes effect more than a year from now; report it nearer the time.")
            )
        change = CorporateChange.objects.create(
            grant=grant,
            kind=kind,
            effective_on=effective_on,
            description=description,
            reported_by=actor,
        )
        audit_record(
            actor=actor,
            obj=grant,
            action="corporate_change_report",
            payload={"change": change.pk, "kind": kind},
        )
        _refresh(grant)
        _tell(
            _office(),
            grant,
            gettext_noop("Corporate change reported"),
            gettext_noop("%(number)s: a corporate change was reported (effective %(day)s)."),
            day=effective_on,
        )
    return change


# --- cancellation (4.(10), 4.(11)) and closing (J16) -------------------------------------------
def grounds(grant: Grant) -> tuple:
    """The cancellation grounds of the grant's call (rules core: ①–④ of 4.(10), 4.(11))."""
    from renkei.rules.jcm import cancellation_grounds

    return tuple(cancellation_grounds(book_of(grant)))


def grant_cancel(
    *,
    actor: Any,
    grant: Grant,
    grounds: list[str],
    whole: bool,
    reason: str,
    refund_jpy: int,
    decided_on: dt.date,
) -> Cancellation:
    """The office cancels the decision, whole or in part, on the call's grounds (①–④ of
    4.(10), or 4.(11)); a whole cancellation ends the grant. A refund, if any, is ordered at
    once. Under ④ the part for the period already elapsed is not refunded (the office
    determines it, reading ``closing.reading.cancellation_elapsed_part``)."""
    from renkei.rules.jcm import cancellation_grounds

    require(actor, "cancel_grant", grant)
    reason = _text(reason, _("The reason"))
    refund = _yen(refund_jpy, _("The refund"))
    with transaction.atomic():
        grant = locked(grant)
        known = {g.id: g for g in cancellation_grounds(book_of(grant))}
        chosen = list(dict.fromkeys(grounds or []))
        if not chosen or any(g not in known for g in chosen):
            raise ServiceError(
                _("Choose the grounds of the cancellation among: %(ids)s (4.(10), 4.(11)).")
                % {"ids": ", ".join(known)}
            )
        _state(
            grant, tuple(GrantState(s) for s in _cancellable()), _("Cancelling the grant decision")
        )
        if (grant.decided_on and decided_on < grant.decided_on) or decided_on > today():
            raise ServiceError(
                _("The cancellation is decided between the grant decision (%(g)s) and today.")
                % {"g": grant.decided_on}
            )
        cancellation = Cancellation.objects.create(
            grant=grant,
            grounds=chosen,
            whole=bool(whole),
            reason=reason,
            refund_jpy=refund,
            decided_on=decided_on,
            decided_by=actor,
        )
        payload = {"cancellation": cancellation.pk, "grounds": chosen, "whole": bool(whole)}
        if whole:
            move(grant, "_cancel", actor, "grant_cancel", **payload)
        else:
            audit_record(actor=actor, obj=grant, action="grant_cancel_part", payload=payload)
        if refund:
            _refund_order(
                actor,
                grant,
                RefundOrder.Reason.CANCELLATION,
                refund,
                decided_on,
                None,
                cancellation=cancellation,
            )
        _refresh(grant)
        _tell(
            _consortium(grant),
            grant,
            gettext_noop("Grant decision cancelled"),
            gettext_noop("%(number)s: the grant decision was cancelled (%(extent)s) on %(day)s."),
            extent=gettext_lazy("whole") if whole else gettext_lazy("in part"),
            day=decided_on,
        )
    return cancellation


def _cancellable():
    from renkei.grants.models.core import CANCELLABLE

    return CANCELLABLE


def close_check(grant: Grant, day: dt.date | None = None) -> list[str]:
    """Why the grant cannot be closed yet (empty: it can), by the reading
    ``closing.reading.closing_conditions`` (spec A-41) on the rules core's dates."""
    day = day or today()
    why: list[str] = []
    if grant.state != S.PAID:
        why.append(_("Only a paid grant is closed (the years after completion)."))
        return why
    try:
        why.extend(_duties_left(grant, day))
    except ServiceError as exc:  # a date the rules core cannot place: said, not closed
        why.append(str(exc))
    if grant.refund_orders.filter(refunded_on__isnull=True).exists():
        why.append(_("A refund order is not refunded yet."))
    if DisposalRequest.objects.filter(item__grant=grant, state=RequestState.SUBMITTED).exists():
        why.append(_("A disposal request waits for a decision."))
    return why


def _duties_left(grant: Grant, day: dt.date) -> list[str]:
    """The duties still running on ``day``: the useful life and the last issuance request
    after it (2.(1)③), and the records kept five years (4.(5))."""
    from renkei.rules.jcm import deadline, monitoring_plan

    why: list[str] = []
    book = book_of(grant)
    plan = rules(
        monitoring_plan,
        book,
        operation_start=grant.operation_started_on,
        useful_life_years=grant.useful_life_years,
        bilateral_valid_until=None,
    )
    if day <= plan.issuance_after_life_due:
        why.append(
            _(
                "The useful life ends on %(end)s and the last issuance request is due within a "
                "year after it, by %(due)s (2.(1)③)."
            )
            % {"end": plan.life_end, "due": plan.issuance_after_life_due}
        )
    retention = rules(deadline, book, "records-retention", grant.completed_on)
    if day <= retention.due:
        why.append(
            _("The books and evidence are kept five years after completion, until %(due)s (4.(5)).")
            % {"due": retention.due}
        )
    return why


def grant_close(*, actor: Any, grant: Grant) -> Grant:
    """Close the grant (J16) once its duties have expired (``close_check``); refused with why
    otherwise."""
    require(actor, "close_grant", grant)
    with transaction.atomic():
        grant = locked(grant)
        why = close_check(grant)
        if why:
            raise ServiceError(
                _("The grant cannot be closed yet: %(why)s") % {"why": why[0]}, errors=why
            )
        move(grant, "_close", actor, "grant_close")
        _refresh(grant)
    return grant


__all__ = [
    "DOCUMENT_KINDS",
    "READINGS",
    "amount_fix",
    "annual_periods",
    "annual_report_submit",
    "claim_submit",
    "close_check",
    "closing_document_add",
    "completion_report_submit",
    "corporate_change_report",
    "disposal_request_decide",
    "disposal_request_submit",
    "final_inspection_corrections_done",
    "final_inspection_record",
    "grant_cancel",
    "grant_close",
    "grant_complete",
    "payment_record",
    "property_item_add",
    "property_item_dispose",
    "refund_order_issue",
    "refund_record",
]


# --- the fixed-amount notice (交付額確定通知書) ------------------------------------------------
def _date_ja(day: dt.date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def amount_notice_docx(fixing: AmountFixing) -> bytes:
    """The 交付額確定通知書 (4.(6)②; 交付規程 第12条第1項, 2.(8)) as a Word document, in
    Japanese, the call's language: the fixed amount, the computation line by line (the rules
    core's lines, as stored), the advances and what is paid or refunded."""
    import io

    from docx import Document

    grant = fixing.grant
    proposal = grant.selection.proposal
    doc = Document()
    head = doc.add_paragraph(f"{fixing.number}\n{_date_ja(fixing.fixed_on)}")
    head.alignment = 2
    doc.add_paragraph(f"{proposal.organisation} 御中\n(代表事業者)")
    doc.add_paragraph("公益財団法人地球環境センター").alignment = 2
    doc.add_heading("交付額確定通知書", level=0)
    doc.add_paragraph(
        f"{grant.number}「{proposal.title}」について、完了実績報告書の審査及び確定検査の結果、"
        "公募要領4.(6)②及び交付規程第12条第1項に基づき、交付すべき補助金の額を下記のとおり"
        "確定したので通知します。"
    )
    doc.add_paragraph("記").alignment = 1
    computation = fixing.computation
    table = doc.add_table(rows=0, cols=3)
    table.style = "Table Grid"
    for line in computation.get("lines", []):
        cells = table.add_row().cells
        value = line.get("value")
        cells[0].text = str(line.get("label_ja", ""))
        cells[1].text = f"{value:,} 円" if isinstance(value, int) else str(value)
        cells[2].text = str(line.get("clause", ""))
    doc.add_paragraph(f"確定額: 金 {fixing.amount_jpy:,} 円")
    doc.add_paragraph(f"概算払済額: 金 {fixing.advances_jpy:,} 円")
    final = int(computation.get("final_payment_jpy", 0))
    refund = int(computation.get("refund_jpy", 0))
    if refund:
        doc.add_paragraph(
            f"概算払の合計額が確定額を超えているため、超える部分 金 {refund:,} 円の返還を"
            "命じます(公募要領4.(7))。"
        )
    else:
        doc.add_paragraph(
            f"精算払額(確定額から概算払済額を除いた金額): 金 {final:,} 円。"
            "請求を受けた会計年度の翌年度の4月30日までに支払います(公募要領4.(7))。"
        )
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()
