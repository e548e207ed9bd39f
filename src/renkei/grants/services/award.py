"""The grant application, the office's pre-check, the decision and implementation (JCM
4.(1)–(4), 4.(6)①, 4.(10), 2.(4)② 注2–注3, 2.(9), 2.(11)). See ``renkei.grants.models.award``.

Every service here: keyword-only arguments with ``actor=`` first; the permission decided by
``renkei.access`` (early, then again on the grant's locked row); the grant's fresh row under
``select_for_update`` (``core.locked``) so two people acting at once cannot both succeed where
only one may; an audit event; notices after commit; the grant's due dates recomputed
(``schedule.refresh_deadlines``) inside the transaction.

The rules come from the rules core (``renkei.rules.jcm``): the budget prefilled from the adopted
proposal version (``budget_from_proposal``), the decision's checks (``check_decision``), the
change verdicts (``change_approval``, ``minor_change``) and the due dates (``deadline``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any
from zoneinfo import ZoneInfo

from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from renkei import clock
from renkei.accounts.models import Role
from renkei.accounts.notices import Msg, notify
from renkei.audit.services import audit_record
from renkei.grants.models import (
    CATEGORIES,
    Allocation,
    ChangeKind,
    ChangeRequest,
    Grant,
    GrantApplication,
    GrantApplicationVersion,
    GrantDecision,
    GrantDocument,
    InterimInspection,
    PreCheckRequest,
    ProcurementRecord,
    RequestState,
    StopRequest,
    YearEndReport,
)
from renkei.grants.services.core import locked, move, require
from renkei.grants.services.documents import store_document
from renkei.proposals.services import check_file
from renkei.rules.jcm.schedule import fiscal_year_start as fiscal_year_of
from renkei.services import ServiceError, check_lengths

JST = ZoneInfo("Asia/Tokyo")
Budget = dict[int, dict[str, int]]

# the kinds of document uploaded to the application (5.(3)①(ク): the signed agreement)
CONSORTIUM_AGREEMENT = "consortium_agreement"
DOCUMENT_KINDS = (CONSORTIUM_AGREEMENT, "implementation_plan", "quotations", "other")
APPLICATION_RECORD = "grants.grantapplication"
YEAR_END_RECORD = "grants.yearendreport"


# --- shared helpers ------------------------------------------------------------------------------
def _book(grant: Grant):
    from renkei.rules import load_rulebook

    return load_rulebook(grant.selection.proposal.call.rulebook_id)


def _lang() -> str:
    return "en" if (translation.get_language() or "ja").startswith("en") else "ja"


_today = clock.today


def _fresh(obj: Any) -> Any:
    """The row as stored now (a caller may hold a copy from before another service changed it);
    the permission is decided on it early, and again on the locked row."""
    return type(obj).objects.get(pk=obj.pk)


def _refresh(grant: Grant) -> None:
    from renkei.grants.services.schedule import refresh_deadlines

    refresh_deadlines(grant)


def bilingual(result: Any) -> dict[str, Any]:
    """A rules-core result in both languages, for storing (shown in the reader's language)."""
    return {"ja": result.to_dict("ja"), "en": result.to_dict("en")}


def _office_users() -> list[Any]:
    return list(get_user_model().objects.filter(role=Role.OFFICE, is_active=True))


def consortium_users(grant: Grant) -> list[Any]:
    """The applicants of the whole consortium: the representative's and the partners'."""
    proposal = grant.selection.proposal
    orgs = [proposal.organisation_id, *proposal.partners.values_list("organisation", flat=True)]
    return list(
        get_user_model().objects.filter(organisation__in=orgs, role=Role.APPLICANT, is_active=True)
    )


def _tell(
    recipients: list[Any], grant: Grant, subject: str, message: str, /, **values: Any
) -> None:
    from django.urls import reverse

    notify(
        recipients,
        subject=subject,
        message=message,
        link=reverse("grants:award", args=[grant.pk]),
        values={"number": grant.number, "title": grant.selection.proposal.title, **values},
    )


def _yen(value: int) -> str:
    return f"{value:,}"


# --- budgets --------------------------------------------------------------------------------------
def budget_in(raw: Any) -> Budget:
    """A budget ``{fiscal year: {category: yen}}`` checked and normalised (integer years and
    yen, every category present); refused with every problem named, nothing guessed."""
    errors: list[str] = []
    if not isinstance(raw, Mapping) or not raw:
        raise ServiceError(
            _(
                "The budget is empty; give the eligible cost of each fiscal year by category "
                "(construction, equipment, admin) in whole yen."
            )
        )
    out: Budget = {}
    for year, cats in raw.items():
        try:
            fy = int(str(year).removeprefix("FY"))
        except ValueError:
            errors.append(_("%(year)s is not a fiscal year; write it as 2024.") % {"year": year})
            continue
        if not 2000 <= fy <= 2100:
            errors.append(_("%(year)s is not a fiscal year; write it as 2024.") % {"year": year})
            continue
        if not isinstance(cats, Mapping):
            errors.append(_("FY%(year)s: give the yen per category.") % {"year": fy})
            continue
        unknown = sorted(set(map(str, cats)) - set(CATEGORIES))
        if unknown:
            errors.append(
                _("FY%(year)s: %(names)s is not a category; use %(known)s.")
                % {"year": fy, "names": ", ".join(unknown), "known": ", ".join(CATEGORIES)}
            )
        row: dict[str, int] = {}
        for cat in CATEGORIES:
            value = cats.get(cat, 0)
            if isinstance(value, bool) or not _is_whole(value):
                errors.append(
                    _("FY%(year)s %(category)s: %(value)s is not a whole number of yen.")
                    % {"year": fy, "category": cat, "value": value}
                )
                continue
            value = _whole(value)
            if value < 0:
                errors.append(
                    _("FY%(year)s %(category)s: %(value)s is negative; write 0 or more yen.")
                    % {"year": fy, "category": cat, "value": value}
                )
            elif value >= 10**13:
                errors.append(
                    _("FY%(year)s %(category)s: %(value)s yen is not a realistic amount.")
                    % {"year": fy, "category": cat, "value": value}
                )
            row[cat] = value
        out[fy] = row
    if errors:
        raise ServiceError(errors[0], errors=errors)
    if sum(sum(r.values()) for r in out.values()) <= 0:
        raise ServiceError(_("The budget totals 0 yen; give the eligible cost by category."))
    return dict(sorted(out.items()))


def _is_whole(value: Any) -> bool:
    if isinstance(value, int):
        return True
    if isinstance(value, Decimal | str):
        try:
            d = Decimal(str(value).replace(",", ""))
        except InvalidOperation:
            return False
        return d.is_finite() and d == d.to_integral_value()
    return False


def spending_in(fy: int, spending: Mapping[str, Any]) -> dict[str, int]:
    """A year's spending per category, checked as a budget's row (0 yen in all is allowed)."""
    if not isinstance(spending, Mapping):
        raise ServiceError(_("FY%(year)s: give the yen per category.") % {"year": fy})
    if not any(_is_whole(v) and _whole(v) > 0 for v in spending.values()):
        bad = [v for v in spending.values() if not _is_whole(v) or _whole(v) < 0]
        if not bad and not set(map(str, spending)) - set(CATEGORIES):
            return {c: 0 for c in CATEGORIES}
    return flat_budget(budget_in({fy: spending}))


def _whole(value: Any) -> int:
    return int(Decimal(str(value).replace(",", "")))


def budget_json(budget: Budget) -> dict[str, dict[str, int]]:
    return {str(fy): {c: int(row.get(c, 0)) for c in CATEGORIES} for fy, row in budget.items()}


def budget_of(stored: Mapping[str, Any] | None) -> Budget:
    """A stored budget (JSON: string years) as ``{int: {category: yen}}``."""
    return {
        int(fy): {c: int(row.get(c, 0)) for c in CATEGORIES} for fy, row in (stored or {}).items()
    }


def budget_total(budget: Budget) -> int:
    return sum(sum(row.values()) for row in budget.values())


def flat_budget(budget: Budget) -> dict[str, int]:
    return {c: sum(row.get(c, 0) for row in budget.values()) for c in CATEGORIES}


# --- selectors ------------------------------------------------------------------------------------
def current_allocation(grant: Grant) -> Allocation | None:
    """The budget in force: the decision's, or the last approved change's."""
    return Allocation.objects.filter(grant=grant, superseded_at__isnull=True).first()


def latest_version(grant: Grant) -> GrantApplicationVersion | None:
    return (
        GrantApplicationVersion.objects.filter(application__grant=grant).order_by("-number").first()
    )


def naiji_day(grant: Grant) -> dt.date:
    return grant.selection.naiji_at.astimezone(JST).date()


@dataclass(frozen=True)
class ApplicationDeadline:
    due: dt.date  # N+30 (4.(2))
    clause: str
    cancellable_from: dt.date  # from the rules core's 4.(2) reading
    cancellable_clause: str


def application_deadline(grant: Grant) -> ApplicationDeadline:
    from renkei.rules.jcm import deadline

    d = deadline(_book(grant), "grant-application", naiji_day(grant))
    return ApplicationDeadline(
        due=d.due,
        clause=d.clause,
        cancellable_from=d.extra["naiji_cancellable_from"],
        cancellable_clause=str(d.extra.get("naiji_cancellable_clause") or d.clause),
    )


def application_documents(grant: Grant):
    app = grant.application
    return GrantDocument.objects.filter(
        grant=grant, record_type=APPLICATION_RECORD, record_id=app.pk
    )


def proposal_budget(grant: Grant) -> Budget:
    """Eligible cost by fiscal year and category from the adopted proposal version."""
    from renkei.rules import validate_proposal
    from renkei.rules.jcm import budget_from_proposal

    doc = validate_proposal(grant.selection.version.document)
    return {int(fy): dict(row) for fy, row in budget_from_proposal(_book(grant), doc).items()}


def _rate_cap(grant: Grant) -> Decimal | None:
    """The highest rate cap among the adopted version's lines (2.(9)), as assessed when it was
    submitted; None when the assessment gives none (the check then needs review)."""
    from renkei.proposals.assessed import version_assessment

    caps = []
    for line in version_assessment(grant.selection.version)["figures"].get("lines", ()):
        cap = line.get("rate_cap") or {}
        value = cap.get("rate_cap") or cap.get("max")
        if value:
            caps.append(Decimal(str(value)))
    return max(caps) if caps else None


# --- the grant application (4.(1)–(2)) -----------------------------------------------------------
def application_create(*, actor: Any, grant: Grant) -> GrantApplication:
    """Create the grant's application and its first version, the budget by fiscal year and
    category prefilled from the adopted proposal version (called by ``core.grant_open`` inside
    its transaction)."""
    document = grant.selection.version.document or {}
    planned = (document.get("milestones") or {}).get("planned_completion_on")
    app = GrantApplication.objects.create(grant=grant)
    version = GrantApplicationVersion.objects.create(
        application=app,
        number=1,
        budget=budget_json(proposal_budget(grant)),
        content={
            "plan": "",
            "planned_completion_on": str(planned) if planned else "",
            "source": f"proposal version {grant.selection.version.number}",
        },
        created_by=actor,
    )
    audit_record(
        actor=actor,
        obj=app,
        action="application_create",
        payload={"version": version.number, "budget": version.budget},
    )
    return app


def _content_in(content: Mapping[str, Any] | None) -> dict[str, Any]:
    """The content's fields given (the others are kept from the previous version)."""
    content = dict(content or {})
    out: dict[str, Any] = {}
    plan = str(content.get("plan") or "").strip()
    if "\x00" in plan:
        raise ServiceError(_("The plan contains a NUL character (U+0000), which cannot be stored."))
    if len(plan) > 20000:
        raise ServiceError(
            _("The plan is %(n)s characters long; at most 20,000 are accepted.") % {"n": len(plan)}
        )
    planned = content.get("planned_completion_on") or ""
    if isinstance(planned, dt.date):
        planned = planned.isoformat()
    if planned:
        try:
            dt.date.fromisoformat(str(planned))
        except ValueError as exc:
            raise ServiceError(
                _("%(value)s is not a date; write the planned completion date as 2026-01-30.")
                % {"value": planned}
            ) from exc
    if "plan" in content:
        out["plan"] = plan
    if "planned_completion_on" in content:
        out["planned_completion_on"] = str(planned)
    return out


def application_save(
    *, actor: Any, grant: Grant, budget: Mapping[Any, Any], content: Mapping[str, Any]
) -> GrantApplicationVersion:
    """Save the application as a new version (every save is kept): the budget by fiscal year
    and category and the content (plan, planned completion date). The representative only,
    while the application is with the consortium (drafting or returned for corrections)."""
    require(actor, "edit_grant_application", _fresh(grant))
    checked = budget_in(budget)
    body = _content_in(content)
    with transaction.atomic():
        grant = locked(grant)
        require(actor, "edit_grant_application", grant)
        app = GrantApplication.objects.select_for_update().get(grant=grant)
        last = app.versions.order_by("-number").first()
        version = GrantApplicationVersion.objects.create(
            application=app,
            number=(last.number if last else 0) + 1,
            budget=budget_json(checked),
            content={**(last.content if last else {}), **body},
            created_by=actor,
        )
        audit_record(
            actor=actor,
            obj=app,
            action="application_save",
            payload={"version": version.number, "budget": version.budget},
        )
        _refresh(grant)
    return version


def application_document_add(
    *, actor: Any, grant: Grant, kind: str, upload: UploadedFile
) -> GrantDocument:
    """Upload a file to the application (the signed consortium agreement, 5.(3)①(ク); the
    implementation plan, quotations or others): type, content and size checked as for the
    proposal's attachments; files are added, never overwritten."""
    require(actor, "edit_grant_application", _fresh(grant))
    if kind not in DOCUMENT_KINDS:
        raise ServiceError(
            _("%(kind)s is not a kind of document here; choose one of: %(kinds)s")
            % {"kind": kind or "—", "kinds": ", ".join(DOCUMENT_KINDS)}
        )
    checked = check_file(upload)
    with transaction.atomic():
        grant = locked(grant)
        require(actor, "edit_grant_application", grant)
        return store_document(
            actor=actor,
            grant=grant,
            kind=kind,
            record=grant.application,
            upload=upload,
            checked=checked,
        )


def application_submit(*, actor: Any, grant: Grant) -> GrantApplicationVersion:
    """The representative submits the latest version (2.(4)② 注2). The signed consortium
    agreement must be uploaded (5.(3)①(ク)); a submission after the 30-day due date (4.(2)) is
    accepted but flagged on the version, the page and the office's notice (spec A-05). After a
    request for corrections, the version that answers it must be a new one."""
    require(actor, "submit_grant_application", _fresh(grant))
    with transaction.atomic():
        grant = locked(grant)
        require(actor, "submit_grant_application", grant)
        app = GrantApplication.objects.select_for_update().get(grant=grant)
        version = app.versions.order_by("-number").first()
        if version is None or version.submitted_at is not None:
            raise ServiceError(
                _(
                    "This version was already submitted and returned for corrections; save the "
                    "corrected application (a new version) before submitting it again."
                )
            )
        problems = []
        if not application_documents(grant).filter(kind=CONSORTIUM_AGREEMENT).exists():
            problems.append(
                _(
                    "Upload the signed international consortium agreement first: the grant "
                    "application needs it (5.(3)①(ク))."
                )
            )
        if not (version.content or {}).get("plan"):
            problems.append(_("Describe the plan and content of the project."))
        if not (version.content or {}).get("planned_completion_on"):
            problems.append(_("Give the planned completion date."))
        if problems:
            raise ServiceError(problems[0], errors=problems)
        deadline = application_deadline(grant)
        now = clock.now()
        version.submitted_at = now
        version.submitted_late = now.astimezone(JST).date() > deadline.due
        version.save(update_fields=["submitted_at", "submitted_late"])
        if app.first_submitted_at is None:
            app.first_submitted_at = now
            app.save(update_fields=["first_submitted_at"])
        PreCheckRequest.objects.filter(application=app, answered_by_version__isnull=True).update(
            answered_by_version=version
        )
        move(
            grant,
            "_submit_application",
            actor,
            "application_submit",
            version=version.number,
            late=version.submitted_late,
            due=deadline.due.isoformat(),
        )
        _refresh(grant)
        _tell(
            _office_users(),
            grant,
            gettext_noop("Grant application submitted"),
            gettext_noop(
                "%(number)s %(title)s: the grant application (version %(version)s) was "
                "submitted late: it was due by %(due)s (%(clause)s)."
            )
            if version.submitted_late
            else gettext_noop(
                "%(number)s %(title)s: the grant application (version %(version)s) was submitted."
            ),
            version=version.number,
            due=deadline.due,
            clause=deadline.clause,
        )
    return version


def application_return(*, actor: Any, grant: Grant, message: str) -> PreCheckRequest:
    """The office's pre-check asks for corrections (4.(1) 「修正及び再提出等を求める」): the
    application goes back to the representative with the message; the next submitted version
    answers it."""
    require(actor, "review_grant_application", _fresh(grant))
    message = (message or "").strip()
    if not message:
        raise ServiceError(_("Say what must be corrected: the message is empty."))
    check_lengths(PreCheckRequest, message=message)
    with transaction.atomic():
        grant = locked(grant)
        require(actor, "review_grant_application", grant)
        app = grant.application
        if app.accepted_at is not None:
            raise ServiceError(_("The application is already accepted; decide the grant."))
        version = app.versions.order_by("-number").first()
        pre = PreCheckRequest.objects.create(
            application=app, version=version, message=message, asked_by=actor
        )
        move(grant, "_return_application", actor, "application_return", version=version.number)
        _refresh(grant)
        _tell(
            consortium_users(grant),
            grant,
            gettext_noop("Grant application: corrections requested"),
            gettext_noop(
                "%(number)s %(title)s: the office asks for corrections to the grant "
                "application: %(message)s"
            ),
            message=message,
        )
    return pre


def application_accept(*, actor: Any, grant: Grant) -> GrantApplication:
    """The office accepts the submitted application as complete (不備のない交付申請書, 4.(2));
    the grant can then be decided."""
    require(actor, "review_grant_application", _fresh(grant))
    with transaction.atomic():
        grant = locked(grant)
        require(actor, "review_grant_application", grant)
        app = GrantApplication.objects.select_for_update().get(grant=grant)
        if app.accepted_at is not None:
            raise ServiceError(_("The application is already accepted."))
        app.accepted_at = clock.now()
        app.accepted_by = actor
        app.save(update_fields=["accepted_at", "accepted_by"])
        deadline = application_deadline(grant)
        late = app.accepted_at.astimezone(JST).date() > deadline.due
        audit_record(
            actor=actor,
            obj=app,
            action="application_accept",
            payload={"version": latest_version(grant).number, "complete_late": late},
        )
        _refresh(grant)
        _tell(
            consortium_users(grant),
            grant,
            gettext_noop("Grant application accepted"),
            gettext_noop(
                "%(number)s %(title)s: the office accepted the grant application as complete; "
                "the grant decision follows (about 30 days, 4.(2))."
            ),
        )
    return app


def naiji_revoke(*, actor: Any, grant: Grant, reason: str) -> Grant:
    """The office withdraws the 内示 (4.(2)): only from the day the rules core says it may (the
    earlier of 60 days after the notice and the end of its fiscal year without a decision),
    never after the decision, and with the reason."""
    require(actor, "revoke_naiji", _fresh(grant))
    reason = (reason or "").strip()
    if not reason:
        raise ServiceError(_("Give the reason for withdrawing the 内示."))
    with transaction.atomic():
        grant = locked(grant)
        require(actor, "revoke_naiji", grant)
        deadline = application_deadline(grant)
        today = _today()
        if today < deadline.cancellable_from:
            raise ServiceError(
                _(
                    "The 内示 can be withdrawn from %(day)s (%(clause)s: 60 days after it was "
                    "notified, or when the fiscal year ends without a grant decision); today is "
                    "%(today)s."
                )
                % {
                    "day": deadline.cancellable_from.isoformat(),
                    "clause": deadline.cancellable_clause,
                    "today": today.isoformat(),
                }
            )
        app = GrantApplication.objects.select_for_update().get(grant=grant)
        app.revoked_at = clock.now()
        app.revoked_by = actor
        app.revoke_reason = reason
        app.save(update_fields=["revoked_at", "revoked_by", "revoke_reason"])
        move(grant, "_revoke_naiji", actor, "naiji_revoke", reason=reason)
        _refresh(grant)
        _tell(
            consortium_users(grant),
            grant,
            gettext_noop("内示 withdrawn"),
            gettext_noop(
                "%(number)s %(title)s: the office withdrew the 内示 (4.(2)). Reason: %(reason)s"
            ),
            reason=reason,
        )
    return grant


# --- the grant decision (4.(2), 2.(8)–(9)) ------------------------------------------------------
def decision_findings(
    grant: Grant, *, amount_jpy: int, rate: Decimal, budget: Budget
) -> list[dict[str, Any]]:
    """The rules core's checks of a decision (amount ≤ 内示, rate ≤ cap, amount ≤ eligible ×
    rate, the 事務費 cap), each in both languages."""
    from renkei.rules.jcm import check_decision

    findings = check_decision(
        _book(grant),
        naiji_amount_jpy=int(grant.selection.naiji_amount_jpy or 0),
        amount_jpy=amount_jpy,
        rate=rate,
        rate_cap=_rate_cap(grant),
        budget=budget,
    )
    return [{"status": str(f.status), **bilingual(f)} for f in findings]


def _rate_in(rate: Any) -> Decimal:
    try:
        value = Decimal(str(rate).strip())
    except (InvalidOperation, ValueError) as exc:
        raise ServiceError(
            _("%(value)s is not a rate; write it as a fraction such as 0.5 (50 %%).")
            % {"value": rate}
        ) from exc
    if not value.is_finite() or not (0 < value <= 1):
        raise ServiceError(
            _("The rate %(value)s is out of range; write a fraction above 0 and at most 1.")
            % {"value": rate}
        )
    if value != value.quantize(Decimal("0.0001")):
        raise ServiceError(
            _("The rate %(value)s has more than 4 decimal places.") % {"value": rate}
        )
    return value


def _amount_in(amount: Any, what: str) -> int:
    if isinstance(amount, bool) or not _is_whole(amount) or _whole(amount) <= 0:
        raise ServiceError(
            _("%(what)s must be a whole number of yen above 0; %(value)s is not.")
            % {"what": what, "value": amount}
        )
    if _whole(amount) >= 10**13:
        raise ServiceError(_("%(value)s yen is not a realistic amount.") % {"value": amount})
    return _whole(amount)


def grant_decide(
    *,
    actor: Any,
    grant: Grant,
    decided_on: dt.date,
    amount_jpy: int,
    rate: Decimal,
    completion_due: dt.date,
    budget: Mapping[Any, Any] | None = None,
) -> GrantDecision:
    """The 交付決定: amount, rate and completion date, the allocations per fiscal year and
    category (the accepted version's unless ``budget`` is given), checked by the rules core; a
    failed check refuses with its clause, one needing review is stored and shown. Creates the
    current ``Allocation``; the decision notice is a document (``renkei.grants.notice``)."""
    require(actor, "decide_grant", _fresh(grant))
    amount = _amount_in(amount_jpy, _("The decided amount"))
    rate = _rate_in(rate)
    if completion_due <= decided_on:
        raise ServiceError(
            _("The completion date %(due)s must come after the decision date %(day)s.")
            % {"due": completion_due.isoformat(), "day": decided_on.isoformat()}
        )
    if decided_on > _today():
        raise ServiceError(
            _("The decision date %(day)s is in the future; record a decision made today or before.")
            % {"day": decided_on.isoformat()}
        )
    with transaction.atomic():
        grant = locked(grant)
        require(actor, "decide_grant", grant)  # a second office user finds it decided: refused
        app = grant.application
        if app.accepted_at is None:
            raise ServiceError(
                _("Accept the application as complete (pre-check) before deciding the grant.")
            )
        if decided_on < app.accepted_at.astimezone(JST).date():
            raise ServiceError(
                _("The decision date %(day)s is before the application was accepted (%(acc)s).")
                % {
                    "day": decided_on.isoformat(),
                    "acc": app.accepted_at.astimezone(JST).date().isoformat(),
                }
            )
        version = app.versions.order_by("-number").first()
        allocated = budget_in(budget) if budget is not None else budget_of(version.budget)
        findings = decision_findings(grant, amount_jpy=amount, rate=rate, budget=allocated)
        failed = [f for f in findings if f["status"] == "fail"]
        if failed:
            lang = _lang()
            lines = [f"{f[lang]['clause']}: {f[lang]['message']}" for f in failed]
            raise ServiceError(
                _("The decision breaks the call's rules: %(first)s") % {"first": lines[0]},
                errors=lines,
            )
        book = _book(grant)
        limit = book.schedule.completion_deadline
        if completion_due > limit.value:
            # 2.(10) 「原則として」: a later date is possible, so it is shown for review
            findings.append(
                {
                    "status": "needs_review",
                    "ja": {
                        "clause": limit.clause,
                        "message": f"完了期限 {completion_due.isoformat()} は公募要領の完了期限 "
                        f"{limit.value.isoformat()}(原則)より後です。",
                    },
                    "en": {
                        "clause": limit.clause,
                        "message": f"The completion date {completion_due.isoformat()} is after "
                        f"the call's completion date of {limit.value.isoformat()} (in principle).",
                    },
                }
            )
        decision = GrantDecision.objects.create(
            grant=grant,
            application_version=version,
            number=f"D-{grant.selection.proposal.receipt_number}",
            decided_on=decided_on,
            amount_jpy=amount,
            rate=rate,
            completion_due=completion_due,
            decided_by=actor,
            findings=findings,
            rulebook=f"{book.id}@{book.version}",
        )
        Allocation.objects.create(
            grant=grant, budget=budget_json(allocated), amount_jpy=amount, source="decision"
        )
        grant.decided_on = decided_on
        grant.completion_due = completion_due
        move(
            grant,
            "_decide",
            actor,
            "grant_decide",
            number=decision.number,
            amount_jpy=amount,
            rate=str(rate),
            decided_on=decided_on.isoformat(),
            completion_due=completion_due.isoformat(),
        )
        _refresh(grant)
        _tell(
            consortium_users(grant),
            grant,
            gettext_noop("Grant decided"),
            gettext_noop(
                "%(number)s %(title)s: the grant is decided (%(decision)s, %(day)s): "
                "%(amount)s yen at a rate of %(rate)s, to be completed by %(due)s. The decision "
                "notice can be downloaded from the grant's page."
            ),
            decision=decision.number,
            day=decided_on,
            amount=_yen(amount),
            rate=str(rate),
            due=completion_due,
        )
    return decision


# --- procurement (4.(3)) --------------------------------------------------------------------------
def procurement_record(
    *,
    actor: Any,
    grant: Grant,
    fiscal_year: int,
    category: str,
    description: str,
    supplier: str,
    method: str,
    method_reason: str,
    ordered_on: dt.date,
    amount_jpy: int,
    paid_on: dt.date | None = None,
) -> ProcurementRecord:
    """An order of the project: on or after the decision date (4.(3)① refused otherwise); the
    supplier chosen by competition, or a single supplier with the reason (4.(3)②); a payment
    outside the order's fiscal year is flagged (4.(3)③ 「原則として当該年度中」, spec A-30)."""
    require(actor, "record_procurement", _fresh(grant))
    description, supplier = (description or "").strip(), (supplier or "").strip()
    method_reason = (method_reason or "").strip()
    problems = []
    if category not in CATEGORIES:
        problems.append(
            _("%(value)s is not a category; use %(known)s.")
            % {"value": category or "—", "known": ", ".join(CATEGORIES)}
        )
    if method not in ProcurementRecord.Method.values:
        problems.append(
            _("%(value)s is not a way of choosing the supplier; use %(known)s.")
            % {"value": method or "—", "known": ", ".join(ProcurementRecord.Method.values)}
        )
    if method == ProcurementRecord.Method.SOLE and not method_reason:
        problems.append(
            _(
                "A single supplier needs the reason competition was markedly difficult or "
                "inappropriate (4.(3)②)."
            )
        )
    if not description:
        problems.append(_("Describe what was ordered."))
    if not supplier:
        problems.append(_("Name the supplier."))
    if problems:
        raise ServiceError(problems[0], errors=problems)
    amount = _amount_in(amount_jpy, _("The order's amount"))
    check_lengths(ProcurementRecord, description=description, supplier=supplier)
    if paid_on is not None and paid_on < ordered_on:
        raise ServiceError(
            _("The payment date %(paid)s is before the order date %(ordered)s.")
            % {"paid": paid_on.isoformat(), "ordered": ordered_on.isoformat()}
        )
    with transaction.atomic():
        grant = locked(grant)
        require(actor, "record_procurement", grant)
        from renkei.rules.jcm import procurement as procurement_rules

        findings = procurement_rules(
            _book(grant),
            decided_on=grant.decided_on,
            ordered_on=ordered_on,
            paid_on=paid_on,
            competitive=method != ProcurementRecord.Method.SOLE,
        )
        lang = _lang()
        failed = [f"{f.clause}: {f.message(lang)}" for f in findings if str(f.status) == "fail"]
        if failed:  # an order before the decision date (4.(3)①)
            raise ServiceError(failed[0], errors=failed)
        years = set(budget_of(current_allocation(grant).budget))
        if int(fiscal_year) not in years:
            raise ServiceError(
                _("FY%(year)s is not a fiscal year of the grant's budget (%(years)s).")
                % {"year": fiscal_year, "years": ", ".join(f"FY{y}" for y in sorted(years))}
            )
        # what the rules core flags for review (a single supplier, 4.(3)②; a payment in a
        # later fiscal year, 4.(3)③), kept in both languages and shown with the order
        flags = [
            {
                "code": f.check,
                "clause": f.clause,
                "ja": f.message("ja"),
                "en": f.message("en"),
            }
            for f in findings
            if str(f.status) == "needs_review"
        ]
        if int(fiscal_year) != fiscal_year_of(ordered_on):
            flags.append(
                {
                    "code": "order_outside_fy",
                    "clause": "4.(3)③",
                    "ja": "発注日が計上する年度の外にあります(原則として当該年度中に支払・精算)。",
                    "en": "The order date is outside the fiscal year it is charged to (paid "
                    "and settled within that fiscal year, in principle).",
                }
            )
        record = ProcurementRecord.objects.create(
            grant=grant,
            fiscal_year=int(fiscal_year),
            category=category,
            description=description,
            supplier=supplier,
            method=method,
            method_reason=method_reason,
            ordered_on=ordered_on,
            amount_jpy=amount,
            paid_on=paid_on,
            flags=flags,
            recorded_by=actor,
        )
        audit_record(
            actor=actor,
            obj=grant,
            action="procurement_record",
            payload={
                "record": record.pk,
                "amount_jpy": amount,
                "flags": [f["code"] for f in flags],
            },
        )
        _refresh(grant)
    return record


# --- change requests (4.(4), 2.(4)② 注3) ---------------------------------------------------------
MINOR_QUESTIONS = (
    "changes_purpose",
    "own_initiative_efficiency",
    "detail_only",
    "reductions_unchanged",
)


def change_verdict(
    grant: Grant,
    *,
    kind: str,
    budget: Mapping[Any, Any] | None = None,
    amount_jpy: int | None = None,
    details: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """The rules core's verdict on a change, before it is submitted (shown to both sides) and
    stored with it: ``approval_required``, ``clause``, ``reading``, the figures, in both
    languages. Refuses a request that is not of its kind (e.g. a reallocation whose total
    changes is an amount change, 4.(4)1))."""
    from renkei.rules.jcm import change_approval, minor_change

    book = _book(grant)
    current = current_allocation(grant)
    if current is None:
        raise ServiceError(_("The grant is not decided yet: there is nothing to change."))
    before = budget_of(current.budget)
    details = dict(details or {})
    if kind not in ChangeKind.values:
        raise ServiceError(
            _("%(value)s is not a kind of change; use %(known)s.")
            % {"value": kind or "—", "known": ", ".join(ChangeKind.values)}
        )
    if kind == ChangeKind.REALLOCATION:
        if budget is None:
            raise ServiceError(_("Give the new allocation by fiscal year and category."))
        after = budget_in(budget)
        verdict = change_approval(book, before, after)
        if verdict.kind == "amount":
            raise ServiceError(
                _(
                    "The new allocation changes the total (%(before)s → %(after)s yen): that is "
                    "a change of the amount, which needs the change-grant application "
                    "(4.(4)1)); file it as an amount change."
                )
                % {"before": _yen(budget_total(before)), "after": _yen(budget_total(after))}
            )
        if verdict.kind == "none":
            raise ServiceError(_("The new allocation is the same as the one in force."))
        return {
            "approval_required": bool(verdict.approval_required),
            "clause": verdict.clause,
            "reading": getattr(verdict, "reading", "") or "",
            "threshold_jpy": verdict.threshold_jpy,
            **bilingual(verdict),
        }
    if kind == ChangeKind.AMOUNT:
        from renkei.rules._result import render

        amount = _amount_in(amount_jpy, _("The new amount"))
        if amount == current.amount_jpy:
            raise ServiceError(_("The new amount is the amount in force; nothing changes."))
        # 4.(4)1): always with prior approval; whether the amount can rise above the decision's
        # (2.(9): a ceiling) the call leaves open: the office decides (spec A-12)
        reading_id = "jcm.reading.total_change_is_amount"
        out: dict[str, Any] = {
            "approval_required": True,
            "clause": "4.(4)1)",
            "reading": reading_id,
            "amount_before_jpy": current.amount_jpy,
            "amount_after_jpy": amount,
            "increase": amount > current.amount_jpy,
        }
        for lang in ("ja", "en"):
            out[lang] = {"reading_message": render(reading_id, {}, lang)}
        if budget is not None:
            verdict = change_approval(book, before, budget_in(budget))
            for lang in ("ja", "en"):
                out[lang] = {
                    **verdict.to_dict(lang),
                    "reading_message": out[lang]["reading_message"],
                }
        return out
    if kind == ChangeKind.CONTENT:
        answers = {}
        for q in MINOR_QUESTIONS:
            if not isinstance(details.get(q), bool):
                raise ServiceError(
                    _("Answer every question on the change (%(q)s: yes or no).") % {"q": q}
                )
            answers[q] = details[q]
        verdict = minor_change(book, **answers)
        return {
            "approval_required": bool(verdict.approval_required),
            "clause": verdict.clause,
            "reading": getattr(verdict, "reading", "") or "",
            "minor": bool(verdict.minor),
            **bilingual(verdict),
        }
    # consortium members: only with the office's approval (2.(4)② 注3)
    return {"approval_required": True, "clause": "2.(4)② 注3", "reading": ""}


def change_request_submit(
    *,
    actor: Any,
    grant: Grant,
    kind: str,
    description: str,
    budget: Mapping[Any, Any] | None = None,
    amount_jpy: int | None = None,
    details: Mapping[str, Any] | None = None,
) -> ChangeRequest:
    """The representative files a change with the rules core's verdict stored. A change that
    needs no prior approval is recorded as such (a reallocation within 15 %: the budget in force
    is updated); the others wait for the office's approval."""
    require(actor, "submit_change_request", _fresh(grant))
    description = (description or "").strip()
    if not description:
        raise ServiceError(_("Describe the change and why it is needed."))
    if len(description) > 20000:
        raise ServiceError(_("The description is too long; at most 20,000 characters."))
    with transaction.atomic():
        grant = locked(grant)
        require(actor, "submit_change_request", grant)
        if grant.changes.filter(state=RequestState.SUBMITTED).exists():
            raise ServiceError(
                _(
                    "A change request is waiting for the office's decision; wait for it or "
                    "withdraw it before filing another."
                )
            )
        verdict = change_verdict(
            grant, kind=kind, budget=budget, amount_jpy=amount_jpy, details=details
        )
        needs = verdict["approval_required"]
        change = ChangeRequest.objects.create(
            grant=grant,
            kind=kind,
            state=RequestState.SUBMITTED if needs else RequestState.RECORDED,
            description=description,
            budget=budget_json(budget_in(budget)) if budget is not None else None,
            amount_jpy=_whole(amount_jpy) if kind == ChangeKind.AMOUNT else None,
            details={k: v for k, v in (details or {}).items() if isinstance(v, bool | str)},
            verdict=verdict,
            approval_required=needs,
            submitted_by=actor,
        )
        if not needs and kind == ChangeKind.REALLOCATION:
            _new_allocation(grant, change, budget_of(change.budget), None)
        audit_record(
            actor=actor,
            obj=change,
            action="change_request_submit",
            to_state=change.state,
            payload={"grant": grant.number, "kind": kind, "approval_required": needs},
        )
        _refresh(grant)
        _tell(
            _office_users(),
            grant,
            gettext_noop("Change request"),
            gettext_noop("%(number)s %(title)s: a change (%(kind)s) was filed; %(verdict)s"),
            kind=ChangeKind(kind).label,
            verdict=Msg(gettext_noop("it needs your approval."))
            if needs
            else Msg(gettext_noop("it needs no prior approval and is recorded.")),
        )
    return change


def _new_allocation(grant: Grant, change: ChangeRequest, budget: Budget, amount: int | None):
    current = Allocation.objects.select_for_update().get(grant=grant, superseded_at__isnull=True)
    current.superseded_at = clock.now()
    current.save(update_fields=["superseded_at"])
    return Allocation.objects.create(
        grant=grant,
        budget=budget_json(budget),
        amount_jpy=amount if amount is not None else current.amount_jpy,
        source="change",
        change=change,
    )


def _locked_change(change: ChangeRequest) -> tuple[Grant, ChangeRequest]:
    grant = locked(change.grant_id)
    return grant, ChangeRequest.objects.select_for_update().get(pk=change.pk)


def change_request_decide(
    *, actor: Any, change: ChangeRequest, approve: bool, reason: str
) -> ChangeRequest:
    """The office approves or refuses a change that needs its approval. Approving a budget
    change makes the new allocation current; an amount increase is the office's own decision
    (spec A-12), checked like the decision (内示 amount, rate and 事務費 caps)."""
    require(actor, "decide_change_request", _fresh(change))
    reason = (reason or "").strip()
    if not approve and not reason:
        raise ServiceError(_("Give the reason for refusing the change."))
    with transaction.atomic():
        grant, change = _locked_change(change)
        require(actor, "decide_change_request", change)
        if approve and change.kind in (ChangeKind.AMOUNT, ChangeKind.REALLOCATION):
            current = current_allocation(grant)
            budget = budget_of(change.budget) if change.budget else budget_of(current.budget)
            amount = change.amount_jpy or current.amount_jpy
            if change.kind == ChangeKind.AMOUNT:
                findings = decision_findings(
                    grant, amount_jpy=amount, rate=grant.decision.rate, budget=budget
                )
                failed = [f for f in findings if f["status"] == "fail"]
                if failed:
                    lang = _lang()
                    lines = [f"{f[lang]['clause']}: {f[lang]['message']}" for f in failed]
                    raise ServiceError(
                        _("The change breaks the call's rules: %(first)s") % {"first": lines[0]},
                        errors=lines,
                    )
                change.verdict = {**change.verdict, "findings": findings}
            _new_allocation(grant, change, budget, amount)
        before = change.state
        change.state = RequestState.APPROVED if approve else RequestState.REFUSED
        change.decided_at = clock.now()
        change.decided_by = actor
        change.decision_reason = reason
        change.save()
        audit_record(
            actor=actor,
            obj=change,
            action="change_request_decide",
            from_state=before,
            to_state=change.state,
            payload={"reason": reason},
        )
        _refresh(grant)
        _tell(
            consortium_users(grant),
            grant,
            gettext_noop("Change request decided"),
            gettext_noop("%(number)s %(title)s: the change (%(kind)s) was %(outcome)s. %(reason)s"),
            kind=ChangeKind(change.kind).label,
            outcome=Msg(gettext_noop("approved") if approve else gettext_noop("refused")),
            reason=reason,
        )
    return change


def change_request_withdraw(*, actor: Any, change: ChangeRequest) -> ChangeRequest:
    """The representative withdraws a change still waiting for the office."""
    require(actor, "withdraw_change_request", _fresh(change))
    with transaction.atomic():
        grant, change = _locked_change(change)
        require(actor, "withdraw_change_request", change)
        change.state = RequestState.WITHDRAWN
        change.save(update_fields=["state"])
        audit_record(
            actor=actor,
            obj=change,
            action="change_request_withdraw",
            from_state=RequestState.SUBMITTED,
            to_state=change.state,
        )
        _refresh(grant)
    return change


# --- suspension and abolition (4.(10)) ----------------------------------------------------------
def stop_request_submit(
    *, actor: Any, grant: Grant, kind: str, whole: bool, late_completion: bool, reason: str
) -> StopRequest:
    """The representative asks to suspend or abolish all or part of the project, including
    when it cannot be completed in time (4.(10); spec A-31)."""
    require(actor, "submit_stop_request", _fresh(grant))
    reason = (reason or "").strip()
    if kind not in StopRequest.Kind.values:
        raise ServiceError(
            _("%(value)s is not a kind of request; use %(known)s.")
            % {"value": kind or "—", "known": ", ".join(StopRequest.Kind.values)}
        )
    if not reason:
        raise ServiceError(_("Give the reason for the request."))
    with transaction.atomic():
        grant = locked(grant)
        require(actor, "submit_stop_request", grant)
        stop = StopRequest.objects.create(
            grant=grant,
            kind=kind,
            whole=bool(whole),
            late_completion=bool(late_completion),
            reason=reason,
            state=RequestState.SUBMITTED,
            submitted_by=actor,
        )
        move(grant, "_request_stop", actor, "stop_request_submit", request=stop.pk, kind=kind)
        _refresh(grant)
        _tell(
            _office_users(),
            grant,
            gettext_noop("Suspension or abolition requested"),
            gettext_noop("%(number)s %(title)s: %(kind)s requested (4.(10)). Reason: %(reason)s"),
            kind=StopRequest.Kind(kind).label,
            reason=reason,
        )
    return stop


def stop_request_decide(
    *, actor: Any, stop: StopRequest, approve: bool, reason: str
) -> StopRequest:
    """The office approves (the grant is stopped; a completion report is still due, 4.(6)②) or
    refuses (implementation resumes) a suspension or abolition request."""
    require(actor, "decide_stop_request", _fresh(stop))
    reason = (reason or "").strip()
    if not approve and not reason:
        raise ServiceError(_("Give the reason for refusing the request."))
    with transaction.atomic():
        grant = locked(stop.grant_id)
        stop = StopRequest.objects.select_for_update().get(pk=stop.pk)
        require(actor, "decide_stop_request", stop)
        stop.state = RequestState.APPROVED if approve else RequestState.REFUSED
        stop.decided_at = clock.now()
        stop.decided_by = actor
        stop.decision_reason = reason
        stop.save()
        move(
            grant,
            "_approve_stop" if approve else "_resume",
            actor,
            "stop_request_decide",
            request=stop.pk,
            approve=approve,
            reason=reason,
        )
        _refresh(grant)
        _tell(
            consortium_users(grant),
            grant,
            gettext_noop("Suspension or abolition decided"),
            gettext_noop(
                "%(number)s %(title)s: the request (%(kind)s) was %(outcome)s. %(reason)s"
            ),
            kind=StopRequest.Kind(stop.kind).label,
            outcome=Msg(gettext_noop("approved") if approve else gettext_noop("refused")),
            reason=reason,
        )
    return stop


# --- interim inspections (2.(11)) and year-end reports (4.(6)①) ---------------------------------
def interim_inspection_record(
    *,
    actor: Any,
    grant: Grant,
    fiscal_year: int,
    inspected_on: dt.date,
    on_site: bool,
    representative_attended: bool,
    attendees: str,
    findings: str,
) -> InterimInspection:
    """The office records an interim inspection (documents, a site visit if needed; the
    representative must attend a site visit, 2.(11)) of a fiscal year of implementation."""
    require(actor, "record_interim_inspection", _fresh(grant))
    with transaction.atomic():
        grant = locked(grant)
        require(actor, "record_interim_inspection", grant)
        if inspected_on < grant.decided_on or inspected_on > _today():
            raise ServiceError(
                _("The inspection date %(day)s must be between the decision (%(g)s) and today.")
                % {"day": inspected_on.isoformat(), "g": grant.decided_on.isoformat()}
            )
        if int(fiscal_year) != fiscal_year_of(inspected_on):
            raise ServiceError(
                _("An inspection on %(day)s is in FY%(fy)s, not FY%(year)s.")
                % {
                    "day": inspected_on.isoformat(),
                    "fy": fiscal_year_of(inspected_on),
                    "year": fiscal_year,
                }
            )
        if on_site and not representative_attended:
            raise ServiceError(
                _(
                    "The representative participant must attend a site inspection (2.(11)); "
                    "record its attendance, or record a document review."
                )
            )
        record = InterimInspection.objects.create(
            grant=grant,
            fiscal_year=int(fiscal_year),
            inspected_on=inspected_on,
            on_site=bool(on_site),
            representative_attended=bool(representative_attended),
            attendees=(attendees or "").strip(),
            findings=(findings or "").strip(),
            recorded_by=actor,
        )
        audit_record(
            actor=actor,
            obj=grant,
            action="interim_inspection_record",
            payload={"record": record.pk, "fiscal_year": int(fiscal_year)},
        )
        _refresh(grant)
        _tell(
            consortium_users(grant),
            grant,
            gettext_noop("Interim inspection recorded"),
            gettext_noop("%(number)s %(title)s: the interim inspection of %(day)s is recorded."),
            day=inspected_on,
        )
    return record


def year_end_due(grant: Grant, fy: int) -> tuple[dt.date, str]:
    """The due date of the year-end report for FY ``fy`` (10 April of the next, 4.(6)①)."""
    from renkei.rules.jcm import deadline

    d = deadline(_book(grant), "year-end-report", dt.date(fy + 1, 3, 31))
    return d.due, d.clause


def year_end_report_submit(
    *,
    actor: Any,
    grant: Grant,
    fiscal_year: int,
    spending: Mapping[str, Any],
    narrative: str,
) -> YearEndReport:
    """The year-end report of a fiscal year that ended during implementation (4.(6)①): the
    spending per category; a fiscal year not yet ended is refused, a report after 10 April of
    the next is accepted and flagged with the clause."""
    require(actor, "submit_year_end_report", _fresh(grant))
    fy = int(fiscal_year)
    spent = spending_in(fy, spending)
    with transaction.atomic():
        grant = locked(grant)
        require(actor, "submit_year_end_report", grant)
        today = _today()
        fy_end = dt.date(fy + 1, 3, 31)
        if today <= fy_end:
            raise ServiceError(
                _(
                    "FY%(year)s has not ended yet (it ends on %(end)s): the year-end report is "
                    "for a fiscal year that ended during implementation (4.(6)①)."
                )
                % {"year": fy, "end": fy_end.isoformat()}
            )
        if fy < fiscal_year_of(grant.decided_on):
            raise ServiceError(
                _("FY%(year)s ended before the grant decision (%(g)s); there is nothing to report.")
                % {"year": fy, "g": grant.decided_on.isoformat()}
            )
        if grant.completed_on is not None and fy_end >= grant.completed_on:
            raise ServiceError(
                _(
                    "The project was completed on %(c)s, in FY%(year)s: that year is reported in "
                    "the completion report, not a year-end report (4.(6)②)."
                )
                % {"c": grant.completed_on.isoformat(), "year": fy}
            )
        if grant.year_end_reports.filter(fiscal_year=fy).exists():
            raise ServiceError(
                _("The year-end report for FY%(year)s is already submitted.") % {"year": fy}
            )
        due, clause = year_end_due(grant, fy)
        report = YearEndReport.objects.create(
            grant=grant,
            fiscal_year=fy,
            spending=spent,
            narrative=(narrative or "").strip(),
            due_on=due,
            late=today > due,
            submitted_by=actor,
        )
        audit_record(
            actor=actor,
            obj=report,
            action="year_end_report_submit",
            payload={"fiscal_year": fy, "spending": spent, "late": report.late},
        )
        _refresh(grant)
        _tell(
            _office_users(),
            grant,
            gettext_noop("Year-end report submitted"),
            gettext_noop(
                "%(number)s %(title)s: the year-end report for FY%(year)s was submitted late: it "
                "was due by %(due)s (%(clause)s)."
            )
            if report.late
            else gettext_noop("%(number)s %(title)s: the year-end report for FY%(year)s."),
            year=fy,
            due=due,
            clause=clause,
        )
    return report


__all__ = [
    "application_accept",
    "application_create",
    "application_document_add",
    "application_return",
    "application_save",
    "application_submit",
    "change_request_decide",
    "change_request_submit",
    "change_request_withdraw",
    "change_verdict",
    "current_allocation",
    "grant_decide",
    "interim_inspection_record",
    "naiji_revoke",
    "procurement_record",
    "stop_request_decide",
    "stop_request_submit",
    "year_end_report_submit",
]
