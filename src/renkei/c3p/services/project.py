"""The C3P stage's project services (guidebook 2.1, BOX 6, 3.3 (3), Tables 3 and 5): every state
change of a C3P project, each with its permission check, fresh rows under lock, audit event and
notices after commit. The rules are the pure core's (``renkei.rules.c3p.project``); a refusal is
a ``ServiceError`` whose message names the guidebook's place and what would be right.

Year states: planning → plan_submitted (the lead files the implementation plan, BOX 6) →
contracted (the office signs after its cost review, 3.3 (3)) ⇄ suspended (3.3 (3)) → reported
(the lead files the business report, deliverables and expense settlement report, 2.1) → closed
(the office). The next year is opened by the office from a closed year (2.1: renewed annually;
phase 2 after phase 1's third year, with novelty; never a third phase).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from renkei import access, clock
from renkei.accounts.models import Role
from renkei.accounts.notices import notify
from renkei.audit.services import audit_record
from renkei.c3p.models import (
    C3pActivity,
    C3pAmountChange,
    C3pExpense,
    C3pProject,
    C3pProjectYear,
    C3pSettlement,
    YearState,
)
from renkei.errors import RenkeiError
from renkei.proposals.models import Proposal
from renkei.rules import validate_proposal
from renkei.rules._result import Finding, Note, Status, jsonable, render
from renkei.rules.c3p.project import (
    ExpenseLine,
    check_activity_date,
    check_change,
    check_contract,
    check_phase,
    check_settlement,
    next_year,
    rulebook_for_year,
)
from renkei.services import NotAllowed, ServiceError, check_lengths, clean_text

__all__ = [
    "DELIVERABLES",
    "c3p_activity_record",
    "c3p_contract_sign",
    "c3p_plan_submit",
    "c3p_project_create",
    "c3p_settlement_submit",
    "c3p_year_change",
    "c3p_year_close",
    "c3p_year_renew",
    "c3p_year_report",
    "findings_json",
    "rendered",
]

#: Table 3 (1): the deliverables of each contract year
DELIVERABLES = ("report_ja_print", "summary_pptx", "report_dvd")


def _require(user: Any, action: str, obj: Any) -> None:
    if not access.can(user, action, obj):
        raise NotAllowed(_("You are not allowed to do this."))


def findings_json(findings: Iterable[Finding | Note]) -> list[dict[str, Any]]:
    """Findings (and notes) as stored: code, status, clause and values, so that each page renders
    them again in its reader's language (``renkei.rules._result.render``)."""
    out = []
    for f in findings:
        if isinstance(f, Note):
            out.append(
                {
                    "code": f.code,
                    "status": "info",
                    "clause": "; ".join(f.clauses),
                    "params": jsonable(dict(f.params)),
                }
            )
            continue
        out.append(
            {
                "code": f.code,
                "status": str(f.status),
                "clause": str(f.clause),
                "params": jsonable(dict(f.params)),
                "notes": [{"code": n.code, "params": jsonable(dict(n.params))} for n in f.notes],
            }
        )
    return out


def rendered(stored: Iterable[dict[str, Any]], lang: str) -> list[dict[str, Any]]:
    """Stored findings as sentences in ``lang``: status, clause, message, notes."""
    return [
        {
            "status": f["status"],
            "clause": f["clause"],
            "message": render(f["code"], f["params"], lang),
            "notes": [render(n["code"], n["params"], lang) for n in f.get("notes", [])],
        }
        for f in stored
    ]


def _refuse_failures(findings: Sequence[Finding]) -> None:
    """A ServiceError carrying every FAIL finding's sentence in the request's language."""
    from django.utils.translation import get_language

    lang = "en" if (get_language() or "ja").startswith("en") else "ja"
    failed = [f.message(lang) for f in findings if f.status == Status.FAIL]
    if failed:
        raise ServiceError(failed[0], errors=failed)


def _people(project: C3pProject, *, office: bool = False) -> list[Any]:
    """The lead organisation's and the consortium's applicants; with ``office``, the office."""
    proposal = project.proposal
    orgs = [proposal.organisation_id, *proposal.partners.values_list("organisation", flat=True)]
    users = get_user_model().objects.filter(is_active=True)
    if office:
        return list(users.filter(role=Role.OFFICE))
    return list(users.filter(organisation__in=orgs, role=Role.APPLICANT))


def _tell(project: C3pProject, subject: str, message: str, *, office: bool = False, **values):
    notify(
        _people(project, office=office),
        subject=subject,
        message=message,
        link=f"/c3p/projects/{project.pk}/",
        values={"title": project.proposal.title, **values},
    )


def _locked_year(year: C3pProjectYear | int) -> C3pProjectYear:
    pk = year.pk if isinstance(year, C3pProjectYear) else year
    return (
        C3pProjectYear.objects.select_for_update()
        .select_related("project__proposal__organisation")
        .get(pk=pk)
    )


def _in_state(year: C3pProjectYear, states: Iterable[str], doing: str) -> None:
    states = list(states)
    if year.state not in states:
        raise ServiceError(
            _("FY%(fy)s is “%(state)s”: %(doing)s needs it to be %(want)s.")
            % {
                "fy": year.fiscal_year,
                "state": year.get_state_display(),
                "doing": doing,
                "want": " / ".join(f"“{YearState(s).label}”" for s in states),
            }
        )


def _book(fiscal_year: int):
    try:
        return rulebook_for_year(fiscal_year)
    except RenkeiError as exc:
        raise ServiceError(str(exc)) from exc


# --- the project ---------------------------------------------------------------------------
def c3p_project_create(*, actor: Any, proposal: Proposal) -> C3pProject:
    """The office creates the C3P project of an adopted C3P proposal, with its first contract
    year: the proposal's fiscal year, phase and year in the phase (2.1), in planning (BOX 6:
    "the contractor must prepare an implementation plan ... before starting the project")."""
    _require(actor, "create_c3p_project", proposal)
    with transaction.atomic():
        proposal = Proposal.objects.select_for_update().select_related("call").get(pk=proposal.pk)
        selection = getattr(proposal, "selection", None)
        if proposal.call.program != "c3p" or selection is None or selection.state != "adopted":
            raise ServiceError(
                _("Only an adopted C3P proposal becomes a C3P project (BOX 6); this one is not.")
            )
        if C3pProject.objects.filter(proposal=proposal).exists():
            raise ServiceError(_("This proposal already has its C3P project."))
        doc = validate_proposal(selection.version.document)
        fy, phase, yip = doc.fiscal_year, doc.project.phase, doc.project.year_in_phase
        book, _note = _book(fy)
        _refuse_failures([check_phase(book, phase, yip)])
        project = C3pProject.objects.create(proposal=proposal, created_by=actor)
        year = C3pProjectYear.objects.create(
            project=project,
            fiscal_year=fy,
            phase=phase,
            year_in_phase=yip,
            rulebook_id=book.id,
            novelty=(doc.project.higher_novelty_statement or "") if phase == 2 else "",
            requested_jpy=selection.subsidy_jpy,
        )
        audit_record(
            actor=actor,
            obj=project,
            action="c3p_project_create",
            to_state=year.state,
            payload={"proposal": proposal.pk, "fiscal_year": fy, "phase": phase, "year": yip},
        )
        _tell(
            project,
            gettext_noop("[Renkei] C3P project opened"),
            gettext_noop(
                "The C3P project “%(title)s” is opened for FY%(fy)s (phase %(phase)s, year "
                "%(year)s). File the implementation plan for the cost review (BOX 6)."
            ),
            fy=fy,
            phase=phase,
            year=yip,
        )
    return project


# --- the implementation plan and the contract ---------------------------------------------------
def c3p_plan_submit(
    *,
    actor: Any,
    year: C3pProjectYear,
    overview: str,
    methods: str,
    structure: str,
    timeline: str,
    other: str = "",
    requested_jpy: int,
) -> C3pProjectYear:
    """The lead organisation files the year's implementation plan (BOX 6: overview, methods and
    content, structure, timeline, other; 2.1: "submitted each year when the contract is signed")
    with the amount it requests incl. tax, for the office's cost review."""
    _require(actor, "file_c3p_project", year.project)
    texts = {
        "overview": clean_text(overview, _("Project overview")),
        "methods": clean_text(methods, _("Implementation methods and content")),
        "structure": clean_text(structure, _("Implementation structure")),
        "timeline": clean_text(timeline, _("Timeline")),
        "other": clean_text(other, _("Other"), required=False),
    }
    if requested_jpy is None or requested_jpy < 0:
        raise ServiceError(_("Give the requested amount including tax in whole yen (0 or more)."))
    with transaction.atomic():
        year = _locked_year(year)
        _in_state(year, [YearState.PLANNING, YearState.PLAN_SUBMITTED], _("filing the plan"))
        book, _note = _book(year.fiscal_year)
        cap = book.costs.cap_incl_tax_jpy.value + book.costs.field_survey_uplift_jpy.value
        if requested_jpy > cap:
            raise ServiceError(
                _(
                    "The requested %(amount)s yen exceeds the cap of %(base)s yen a year incl. "
                    "tax plus at most %(uplift)s yen for field surveys (3.3 (3) and footnote 1); "
                    "request %(cap)s yen or less."
                )
                % {
                    "amount": f"{requested_jpy:,}",
                    "base": f"{book.costs.cap_incl_tax_jpy.value:,}",
                    "uplift": f"{book.costs.field_survey_uplift_jpy.value:,}",
                    "cap": f"{cap:,}",
                }
            )
        before = year.state
        year.plan_overview, year.plan_methods = texts["overview"], texts["methods"]
        year.plan_structure, year.plan_timeline = texts["structure"], texts["timeline"]
        year.plan_other, year.requested_jpy = texts["other"], requested_jpy
        year.plan_submitted_at = clock.now()
        year.state = YearState.PLAN_SUBMITTED
        year.save()
        audit_record(
            actor=actor,
            obj=year,
            action="c3p_plan_submit",
            from_state=before,
            to_state=year.state,
            payload={"requested_jpy": requested_jpy},
        )
        _tell(
            year.project,
            gettext_noop("[Renkei] C3P implementation plan filed"),
            gettext_noop(
                "The implementation plan of “%(title)s” for FY%(fy)s is filed (%(amount)s yen "
                "requested incl. tax); review the costs and sign the contract (BOX 6)."
            ),
            office=True,
            fy=year.fiscal_year,
            amount=f"{requested_jpy:,}",
        )
    return year


def c3p_contract_sign(
    *,
    actor: Any,
    year: C3pProjectYear,
    amount_jpy: int,
    signed_on: dt.date,
    field_survey_addition_jpy: int = 0,
    field_survey_tasks: str = "",
    reduction_reason: str = "",
) -> C3pProjectYear:
    """The office signs the year's contract with the lead organisation at the amount agreed
    after its cost review (BOX 6; 3.3 (3)): within the cap incl. tax plus the field-survey
    addition it grants (3.3 (3) fn 1); a reduction from the requested amount with its reason."""
    _require(actor, "run_c3p_contract", year.project)
    tasks = clean_text(field_survey_tasks, _("Tasks requiring field surveys"), required=False)
    reason = clean_text(reduction_reason, _("Reason for the reduction"), required=False)
    if amount_jpy is None or amount_jpy < 0 or (field_survey_addition_jpy or 0) < 0:
        raise ServiceError(_("Amounts are whole yen, 0 or more."))
    with transaction.atomic():
        year = _locked_year(year)
        _in_state(year, [YearState.PLAN_SUBMITTED], _("signing the contract"))
        f = check_activity_date(year.fiscal_year, signed_on, what=_("The contract"))
        book, note = _book(year.fiscal_year)
        findings = [
            *check_contract(
                book,
                amount_incl_tax_jpy=amount_jpy,
                field_survey_addition_jpy=field_survey_addition_jpy or 0,
                field_survey_tasks=tasks,
                requested_jpy=year.requested_jpy,
                reduction_reason=reason,
            ),
        ]
        if f.status == Status.FAIL:
            findings.append(f)
        _refuse_failures(findings)
        year.contract_amount_jpy = amount_jpy
        year.field_survey_addition_jpy = field_survey_addition_jpy or 0
        year.field_survey_tasks, year.reduction_reason = tasks, reason
        year.signed_on = signed_on
        year.rulebook_id = book.id
        year.contract_findings = findings_json([*findings, *([note] if note else [])])
        year.state = YearState.CONTRACTED
        year.save()
        audit_record(
            actor=actor,
            obj=year,
            action="c3p_contract_sign",
            from_state=YearState.PLAN_SUBMITTED,
            to_state=year.state,
            payload={
                "amount_jpy": amount_jpy,
                "requested_jpy": year.requested_jpy,
                "field_survey_addition_jpy": year.field_survey_addition_jpy,
                "reduction_reason": reason,
                "rulebook": book.id,
                "signed_on": signed_on.isoformat(),
            },
        )
        _tell(
            year.project,
            gettext_noop("[Renkei] C3P contract signed"),
            gettext_noop(
                "The FY%(fy)s contract of “%(title)s” is signed at %(amount)s yen incl. tax."
            ),
            fy=year.fiscal_year,
            amount=f"{amount_jpy:,}",
        )
    return year


def c3p_year_change(
    *, actor: Any, year: C3pProjectYear, kind: str, reason: str, new_amount_jpy: int | None = None
) -> C3pAmountChange:
    """The office reduces the year's contract amount or suspends the project mid-year (3.3 (3):
    "depending on the project's progress and outcomes"), with its reason. A suspended year
    takes no more filings; the office may reduce it further or close it."""
    _require(actor, "run_c3p_contract", year.project)
    why = clean_text(reason, _("Reason"), required=False)
    with transaction.atomic():
        year = _locked_year(year)
        allowed = [YearState.CONTRACTED]
        if kind == C3pAmountChange.Kind.REDUCTION:
            allowed.append(YearState.SUSPENDED)
        _in_state(year, allowed, _("a reduction or suspension"))
        amount = year.contract_amount_jpy or 0
        settled = year.settled_jpy
        if kind not in C3pAmountChange.Kind.values:
            raise ServiceError(_("Choose a reduction or a suspension."))
        if kind == C3pAmountChange.Kind.REDUCTION and new_amount_jpy is None:
            raise ServiceError(_("Give the reduced contract amount in whole yen."))
        finding = check_change(
            kind=kind,
            amount_jpy=amount,
            new_amount_jpy=new_amount_jpy,
            settled_jpy=settled,
            reason=why,
        )
        _refuse_failures([finding])
        after = new_amount_jpy if kind == C3pAmountChange.Kind.REDUCTION else amount
        change = C3pAmountChange.objects.create(
            year=year,
            kind=kind,
            amount_before_jpy=amount,
            amount_after_jpy=after,
            reason=why,
            decided_by=actor,
        )
        before = year.state
        year.contract_amount_jpy = after
        if kind == C3pAmountChange.Kind.SUSPENSION:
            year.state = YearState.SUSPENDED
        year.save()
        audit_record(
            actor=actor,
            obj=year,
            action=f"c3p_year_{kind}",
            from_state=before,
            to_state=year.state,
            payload={"before_jpy": amount, "after_jpy": after, "reason": why},
        )
        _tell(
            year.project,
            gettext_noop("[Renkei] C3P contract changed"),
            gettext_noop(
                "The FY%(fy)s contract of “%(title)s”: %(kind)s, %(before)s → %(after)s yen. "
                "Reason: %(reason)s"
            ),
            fy=year.fiscal_year,
            kind=kind,
            before=f"{amount:,}",
            after=f"{after:,}",
            reason=why,
        )
    return change


# --- during the year -----------------------------------------------------------------------
def c3p_activity_record(
    *, actor: Any, year: C3pProjectYear, item: str, title: str, held_on: dt.date
) -> C3pActivity:
    """The lead organisation records an activity of Table 3 (1)–(7), dated inside the contract
    year (2.1; 3.3 (3)); one dated before the contract is kept and flagged on the page (BOX 6)."""
    _require(actor, "file_c3p_project", year.project)
    title = clean_text(title, _("Title"), limit=200)
    if item not in C3pActivity.Item.values:
        raise ServiceError(_("Choose the item of Table 3, (1) to (7)."))
    with transaction.atomic():
        year = _locked_year(year)
        _in_state(year, [YearState.CONTRACTED], _("recording an activity"))
        _refuse_failures([check_activity_date(year.fiscal_year, held_on, what=title)])
        activity = C3pActivity.objects.create(
            year=year, item=item, title=title, held_on=held_on, recorded_by=actor
        )
        audit_record(
            actor=actor,
            obj=year,
            action="c3p_activity_record",
            payload={"activity": activity.pk, "item": item, "held_on": held_on.isoformat()},
        )
    return activity


def _expense_lines(lines: Iterable[dict[str, Any]]) -> list[ExpenseLine]:
    out = []
    for n, line in enumerate(lines, 1):
        description = clean_text(
            line.get("description"), _("Description of line %(n)s") % {"n": n}, limit=200
        )
        amount = line.get("amount_jpy")
        unit = line.get("unit_price_jpy")
        if amount is None:
            raise ServiceError(_("Line %(n)s: give the amount before tax in whole yen.") % {"n": n})
        if not isinstance(amount, int) or amount < 0 or (unit is not None and unit < 0):
            raise ServiceError(_("Line %(n)s: amounts are whole yen, 0 or more.") % {"n": n})
        out.append(
            ExpenseLine(
                category=(line.get("category") or "").strip(),
                description=description,
                amount_jpy=amount,
                unit_price_jpy=unit,
                spent_on=line.get("spent_on"),
            )
        )
    if not out:
        raise ServiceError(_("Give at least one expense line by its Table 5 category."))
    return out


def c3p_settlement_submit(
    *, actor: Any, year: C3pProjectYear, kind: str, lines: Iterable[dict[str, Any]]
) -> C3pSettlement:
    """The lead organisation files an account settlement report during the year (about twice a
    year, 2.3) or the year's expense settlement report (2.1), by Table 5 categories. Refused: a
    category not in Table 5, equipment below the threshold (it is a consumable), an expense
    outside the contract year, more than the contract amount; flagged: the outsourcing share
    over half (Table 5 "as a general rule"), a costly consumable, an expense before signature."""
    _require(actor, "file_c3p_project", year.project)
    if kind not in C3pSettlement.Kind.values:
        raise ServiceError(_("Choose an interim account settlement or the year-end report."))
    parsed = _expense_lines(lines)
    with transaction.atomic():
        year = _locked_year(year)
        # a suspended year still settles what was spent before the suspension (3.3 (3))
        _in_state(
            year, [YearState.CONTRACTED, YearState.SUSPENDED], _("filing a settlement report")
        )
        if kind == C3pSettlement.Kind.FINAL and year.settlements.filter(kind=kind).exists():
            raise ServiceError(_("The year's expense settlement report is already filed."))
        book, _note = _book(year.fiscal_year)
        result = check_settlement(
            book,
            parsed,
            contract_amount_jpy=year.contract_amount_jpy or 0,
            fiscal_year=year.fiscal_year,
            earlier_settled_incl_tax_jpy=year.settled_jpy,
            contract_signed_on=year.signed_on,
        )
        _refuse_failures(result.findings)
        settlement = C3pSettlement.objects.create(
            year=year,
            kind=kind,
            pre_tax_jpy=result.pre_tax_jpy,
            tax_jpy=result.tax_jpy,
            total_incl_tax_jpy=result.total_incl_tax_jpy,
            findings=findings_json(result.findings),
            flagged=any(f.status == Status.NEEDS_REVIEW for f in result.findings),
            submitted_by=actor,
        )
        C3pExpense.objects.bulk_create(
            C3pExpense(
                settlement=settlement,
                category=line.category,
                description=line.description,
                amount_jpy=line.amount_jpy,
                unit_price_jpy=line.unit_price_jpy,
                spent_on=line.spent_on,
            )
            for line in parsed
        )
        audit_record(
            actor=actor,
            obj=year,
            action="c3p_settlement_submit",
            payload={
                "settlement": settlement.pk,
                "kind": kind,
                "total_incl_tax_jpy": result.total_incl_tax_jpy,
                "flagged": settlement.flagged,
            },
        )
        _tell(
            year.project,
            gettext_noop("[Renkei] C3P settlement report filed"),
            gettext_noop(
                "A settlement report of “%(title)s” for FY%(fy)s is filed: %(amount)s yen "
                "incl. tax%(flag)s."
            ),
            office=True,
            fy=year.fiscal_year,
            amount=f"{result.total_incl_tax_jpy:,}",
            flag=" (flagged)" if settlement.flagged else "",
        )
    return settlement


# --- the year's end, renewal, phases -------------------------------------------------------------
def c3p_year_report(
    *, actor: Any, year: C3pProjectYear, business_report: str, deliverables: Iterable[str]
) -> C3pProjectYear:
    """The lead organisation files the year-end reports (2.1: business report and expense
    settlement report; Table 3 (1): the deliverables). The expense settlement report must be
    filed first (it is refused or flagged by its own rules)."""
    _require(actor, "file_c3p_project", year.project)
    text = clean_text(business_report, _("Business report"))
    chosen = sorted(set(deliverables))
    missing = [d for d in DELIVERABLES if d not in chosen]
    if missing or any(d not in DELIVERABLES for d in chosen):
        raise ServiceError(
            _(
                "Table 3 (1) asks for every deliverable: the Japanese report in hard copy, the "
                "English/Japanese summary (PowerPoint) and the electronic report (DVD-R); tick "
                "each one delivered."
            )
        )
    with transaction.atomic():
        year = _locked_year(year)
        _in_state(year, [YearState.CONTRACTED], _("filing the year-end reports"))
        if not year.settlements.filter(kind=C3pSettlement.Kind.FINAL).exists():
            raise ServiceError(
                _("File the year's expense settlement report first (2.1), by Table 5 categories.")
            )
        year.business_report, year.deliverables = text, chosen
        year.reported_at = clock.now()
        year.state = YearState.REPORTED
        year.save()
        audit_record(
            actor=actor,
            obj=year,
            action="c3p_year_report",
            from_state=YearState.CONTRACTED,
            to_state=year.state,
            payload={"deliverables": chosen},
        )
        _tell(
            year.project,
            gettext_noop("[Renkei] C3P year-end reports filed"),
            gettext_noop(
                "The FY%(fy)s business report, deliverables and expense settlement report of "
                "“%(title)s” are filed; check and close the year."
            ),
            office=True,
            fy=year.fiscal_year,
        )
    return year


def c3p_year_close(*, actor: Any, year: C3pProjectYear) -> C3pProjectYear:
    """The office closes the year once its reports are in, or a suspended year (whose lead may
    have settled what it spent before the suspension). Closing phase 2's third year, or a
    suspended year, ends the project period (2.1; 3.3 (3))."""
    _require(actor, "run_c3p_contract", year.project)
    with transaction.atomic():
        year = _locked_year(year)
        _in_state(year, [YearState.REPORTED, YearState.SUSPENDED], _("closing the year"))
        before = year.state
        year.state = YearState.CLOSED
        year.closed_at = clock.now()
        year.save()
        project = C3pProject.objects.select_for_update().get(pk=year.project_id)
        book, _note = _book(year.fiscal_year)
        last = year.phase == book.phases.max_phases.value and (
            year.year_in_phase == book.phases.years_per_phase.value
        )
        if before == YearState.SUSPENDED or last:
            project.ended_at = clock.now()
            project.end_reason = (
                _("Suspended (3.3 (3))") if before == YearState.SUSPENDED else _("Two phases (2.1)")
            )
            project.save()
        audit_record(
            actor=actor,
            obj=year,
            action="c3p_year_close",
            from_state=before,
            to_state=year.state,
            payload={"project_ended": project.ended_at is not None},
        )
        _tell(
            year.project,
            gettext_noop("[Renkei] C3P year closed"),
            gettext_noop("FY%(fy)s of “%(title)s” is closed."),
            fy=year.fiscal_year,
        )
    return year


def c3p_year_renew(*, actor: Any, project: C3pProject, novelty: str = "") -> C3pProjectYear:
    """The office opens the next contract year after the last one closed (2.1: "the contract is
    renewed annually"): the same phase's next year; after phase 1's third year, phase 2 with its
    higher novelty recorded (Table 6 item 1); never a third phase (2.1)."""
    _require(actor, "run_c3p_contract", project)
    novelty = clean_text(novelty, _("Phase 2 novelty"), required=False)
    with transaction.atomic():
        project = (
            C3pProject.objects.select_for_update().select_related("proposal").get(pk=project.pk)
        )
        last = project.years.order_by("-fiscal_year").first()
        if project.ended_at is not None:
            raise ServiceError(
                _("The project period has ended (%(why)s); consider an exit instead.")
                % {"why": project.end_reason}
            )
        if last is None or last.state != YearState.CLOSED:
            raise ServiceError(_("Close the current contract year first (2.1)."))
        book, _note = _book(last.fiscal_year)
        nxt = next_year(
            book,
            fiscal_year=last.fiscal_year,
            phase=last.phase,
            year_in_phase=last.year_in_phase,
            novelty=novelty,
        )
        _refuse_failures([nxt.finding])
        next_book, _carried = _book(nxt.fiscal_year)
        year = C3pProjectYear(
            project=project,
            fiscal_year=nxt.fiscal_year,
            phase=nxt.phase,
            year_in_phase=nxt.year_in_phase,
            rulebook_id=next_book.id,
            novelty=novelty if nxt.phase != last.phase else "",
        )
        check_lengths(C3pProjectYear, rulebook_id=year.rulebook_id)
        year.save()
        audit_record(
            actor=actor,
            obj=project,
            action="c3p_year_renew",
            to_state=year.state,
            payload={
                "fiscal_year": year.fiscal_year,
                "phase": year.phase,
                "year": year.year_in_phase,
                "novelty": year.novelty,
            },
        )
        _tell(
            project,
            gettext_noop("[Renkei] C3P contract year opened"),
            gettext_noop(
                "FY%(fy)s (phase %(phase)s, year %(year)s) of “%(title)s” is opened; file its "
                "implementation plan (2.1: submitted each year when the contract is signed)."
            ),
            fy=year.fiscal_year,
            phase=year.phase,
            year=year.year_in_phase,
        )
    return year
