"""Selection services (JCM call 3.(2)–(4)): hearing, candidates, PIN to the JCM secretariat and
on to the Joint Committee, its answer, 内示 within the budget, non-selection notices.

Each write is atomic, decided on fresh rows under ``select_for_update``, permission-checked in
``renkei.access`` and audited. Notices go to every applicant user of the proposal's consortium
and, for the PIN, to the secretariat and the country's Joint Committee contacts, each in the
reader's language (``renkei.accounts.notices``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Sum
from django.utils.translation import get_language, gettext_noop
from django.utils.translation import gettext as _

from renkei import access, clock
from renkei.accounts.models import Role
from renkei.accounts.notices import Msg, notify
from renkei.adoption.models import (
    OPEN_STATES,
    Hearing,
    PinQuery,
    ProjectIdeaNote,
    Selection,
    SelectionState,
)
from renkei.adoption.pin import pin_content, pin_digest, pin_missing
from renkei.audit.services import audit_record
from renkei.calls.models import Round
from renkei.proposals.assessed import version_assessment
from renkei.proposals.models import Proposal, ProposalState
from renkei.rules import assess_proposal, load_rulebook, validate_proposal
from renkei.services import NotAllowed, ServiceError

JST = ZoneInfo("Asia/Tokyo")


def _require(user: Any, action: str, obj: Any) -> None:
    if not access.can(user, action, obj):
        raise NotAllowed(_("You are not allowed to do this."))


# --- notices ---------------------------------------------------------------------------------
def _send(recipients: Iterable[Any], subject: str, message: str, link: str, **values: Any) -> None:
    """The in-app notice and the e-mail after the transaction commits, each in the recipient's
    language: ``subject`` and ``message`` are untranslated msgids, ``values`` fill them."""
    notify(recipients, subject=subject, message=message, link=link, values=values)


def _applicants(proposal: Proposal) -> list[Any]:
    """The applicants of the whole consortium: the representative's and the partners'."""
    orgs = [proposal.organisation_id, *proposal.partners.values_list("organisation", flat=True)]
    return list(
        get_user_model()
        .objects.filter(organisation__in=orgs, role=Role.APPLICANT, is_active=True)
        .select_related("organisation")
    )


def _tell_applicants(proposal: Proposal, subject: str, message: str, **values: Any) -> None:
    """Notify the applicants of the proposal, each in their language; ``message`` gets its
    title and receipt number besides ``values``."""
    _send(
        _applicants(proposal),
        subject,
        message,
        f"/proposals/{proposal.pk}/",
        title=proposal.title,
        receipt=proposal.receipt_number,
        **values,
    )


# --- hearing ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class Scheduled:
    hearing: Hearing
    warnings: list[str]


def hearing_window_end(proposal: Proposal) -> dt.date | None:
    """The last day of 2.(11)'s 応募締切後4週間以内 for the round the proposal was submitted to."""
    book = load_rulebook(proposal.call.rulebook_id)
    weeks = getattr(getattr(book, "schedule", None), "hearing_within_weeks_after_deadline", None)
    if weeks is None:
        return None
    return proposal.round.deadline.astimezone(JST).date() + dt.timedelta(weeks=weeks.value)


def hearing_schedule(*, actor: Any, proposal: Proposal, at: dt.datetime, place: str) -> Scheduled:
    """Schedule (or move) the hearing of a proposal that passed basic screening (3.(2)); the
    applicant is told. A date outside 2.(11)'s guide is allowed but returned as a warning."""
    _require(actor, "schedule_hearing", proposal)
    if at.tzinfo is None:
        raise ServiceError(_("Give the hearing time with its time zone (JST)."))
    if not place.strip():
        raise ServiceError(_("Give the place of the hearing (the call holds them in Tokyo)."))
    now = clock.now()
    if at <= now:
        raise ServiceError(_("The hearing must be scheduled in the future."))
    warnings = []
    end = hearing_window_end(proposal)
    if end is not None and at.astimezone(JST).date() > end:
        warnings.append(
            _(
                "The call's schedule (2.(11)) holds hearings within four weeks after the deadline, "
                "that is by %(end)s; this date is later."
            )
            % {"end": end.isoformat()}
        )
    with transaction.atomic():
        proposal = Proposal.objects.select_for_update().get(pk=proposal.pk)
        hearing = Hearing.objects.filter(proposal=proposal).first()
        if hearing is not None and hearing.held_at is not None:
            raise ServiceError(_("This hearing was already held and recorded."))
        before = hearing.scheduled_at.isoformat() if hearing else ""
        if hearing is None:
            hearing = Hearing(proposal=proposal)
        hearing.scheduled_at, hearing.place, hearing.scheduled_by = at, place.strip(), actor
        hearing.save()
        audit_record(
            actor=actor,
            obj=hearing,
            action="hearing_schedule",
            from_state=before,
            to_state=at.isoformat(),
            payload={"proposal": proposal.pk, "place": hearing.place},
        )
        _tell_applicants(
            proposal,
            gettext_noop("[Renkei] Hearing scheduled"),
            gettext_noop(
                "The hearing of “%(title)s” (receipt %(receipt)s) is scheduled on %(when)s at "
                "%(place)s."
            ),
            when=at,
            place=hearing.place,
        )
    return Scheduled(hearing, warnings)


def hearing_record(*, actor: Any, hearing: Hearing, record: str) -> Hearing:
    """Record that the hearing was held, with its minutes (required)."""
    _require(actor, "schedule_hearing", hearing.proposal)
    if not record.strip():
        raise ServiceError(_("Write the record of the hearing (who attended, what was asked)."))
    with transaction.atomic():
        hearing = Hearing.objects.select_for_update().get(pk=hearing.pk)
        if hearing.held_at is not None:
            raise ServiceError(_("This hearing was already held and recorded."))
        if hearing.cancelled_at is not None:
            raise ServiceError(_("This hearing was cancelled: the proposal was not adopted."))
        now = clock.now()
        if hearing.scheduled_at > now:
            raise ServiceError(
                _("The hearing is scheduled for %(when)s; record it once it has been held.")
                % {"when": hearing.scheduled_at.astimezone(JST).strftime("%Y-%m-%d %H:%M")}
            )
        hearing.held_at, hearing.record, hearing.recorded_by = now, record.strip(), actor
        hearing.save()
        audit_record(
            actor=actor,
            obj=hearing,
            action="hearing_record",
            from_state="scheduled",
            to_state="held",
            payload={"proposal": hearing.proposal_id},
        )
    return hearing


# --- candidates -------------------------------------------------------------------------------
def _latest_version(proposal: Proposal):
    return proposal.versions.order_by("-number").first()


def _subsidy(version) -> int:
    """The JCM subsidy, or the C3P contract amount including tax, as the rules core assesses
    the version (the amount a decision commits against the budget)."""
    figures = version_assessment(version)["figures"]  # as assessed at submission
    return int(figures.get("subsidy_jpy") or figures.get("contract_total_incl_tax_jpy") or 0)


def _check_budget(proposal: Proposal, amount: int) -> None:
    budget = budget_of(proposal.round)
    if budget.budget_jpy is None:
        raise ServiceError(_("Set the budget of the round or the call before issuing 内示."))
    if amount > budget.remaining_jpy:
        raise ServiceError(
            _(
                "The subsidy of %(amount)s yen exceeds the remaining budget of %(remaining)s "
                "yen (budget %(budget)s yen, already committed %(used)s yen)."
            )
            % {
                "amount": f"{amount:,}",
                "remaining": f"{budget.remaining_jpy:,}",
                "budget": f"{budget.budget_jpy:,}",
                "used": f"{budget.committed_jpy:,}",
            }
        )


def selection_nominate(*, actor: Any, proposal: Proposal, total_score: Decimal | None) -> Selection:
    """Make a proposal a selection candidate (採択候補) after its hearing and evaluation; the
    applicant is told that it entered the PIN process (3.(3))."""
    _require(actor, "nominate", proposal)
    hearing = Hearing.objects.filter(proposal=proposal).first()
    if hearing is None or hearing.held_at is None:
        raise ServiceError(
            _("Hold and record the hearing first: candidates are chosen after it (3.(3)).")
        )
    if not proposal.review_assignments.filter(submitted_at__isnull=False).exists():
        raise ServiceError(_("No reviewer has submitted an evaluation of this proposal yet."))
    with transaction.atomic():
        proposal = Proposal.objects.select_for_update().get(pk=proposal.pk)
        if Selection.objects.filter(proposal=proposal).exists():
            raise ServiceError(_("This proposal already has a selection decision."))
        version = _latest_version(proposal)
        selection = Selection(
            proposal=proposal,
            version=version,
            total_score=total_score,
            subsidy_jpy=_subsidy(version),
            decided_by=actor,
            decided_at=clock.now(),
        )
        _record_new(
            selection, SelectionState.CANDIDATE, actor, "selection_nominate", score=total_score
        )
        _tell_applicants(
            proposal,
            gettext_noop("[Renkei] Selection candidate"),
            gettext_noop(
                "“%(title)s” (receipt %(receipt)s) is a selection candidate. Its PIN goes to "
                "the JCM secretariat and the partner country's Joint Committee; queries from "
                "the partner country may follow."
            ),
        )
    return selection


def _record_new(selection: Selection, state: str, actor: Any, action: str, **payload: Any) -> None:
    """Save a new decision in its first state (set past the FSM's protected field) and audit
    it with the proposal version it decided on."""
    selection.__dict__["state"] = state
    selection.save()
    audit_record(
        actor=actor,
        obj=selection,
        action=action,
        to_state=state,
        payload={
            "proposal": selection.proposal_id,
            "version": selection.version.number,
            **{k: v.strip() if isinstance(v, str) else v for k, v in payload.items()},
        },
    )


def _transition(selection: Selection, method: str, actor: Any, action: str, **payload: Any):
    before = selection.state
    getattr(selection, method)()
    selection.save()
    audit_record(
        actor=actor,
        obj=selection,
        action=action,
        from_state=before,
        to_state=selection.state,
        payload={"proposal": selection.proposal_id, **payload},
    )


def _pin_version(selection: Selection):
    """The version a PIN is made from: the latest one while the PIN is not sent (a candidate
    whose PIN was incomplete is revised and resubmitted), else the one it was sent from."""
    if selection.state == SelectionState.CANDIDATE:
        return _latest_version(selection.proposal) or selection.version
    return selection.version


def pin_preview(selection: Selection) -> dict[str, Any]:
    """The PIN as it would be sent now (its ``missing`` list is what the secretariat would find
    not covered); nothing is saved."""
    proposal = selection.proposal
    version = _pin_version(selection)
    files = [
        {"name": a.original_name, "sha256": a.sha256}
        # the files submitted with this version or an earlier one (a revision keeps them)
        for a in proposal.attachments.filter(
            document_id="form3_16", version__number__lte=version.number
        ).order_by("pk")
    ]
    return pin_content(version.document, receipt=proposal.receipt_number or "", attachments=files)


def pin_send(*, actor: Any, selection: Selection) -> ProjectIdeaNote:
    """Generate the PIN (form 3-16, English) from the selected version and send it to the JCM
    secretariat; its content is frozen with its SHA-256."""
    selection = Selection.objects.get(pk=selection.pk)  # decide on fresh data
    _require(actor, "send_pin", selection)
    with transaction.atomic():
        selection = Selection.objects.select_for_update().get(pk=selection.pk)
        if selection.state != SelectionState.CANDIDATE:
            raise ServiceError(_("The PIN of this proposal was already sent."))
        proposal = selection.proposal
        version = _pin_version(selection)
        if version.pk != selection.version_id:
            if not access.screening_passed(proposal):
                raise ServiceError(
                    _(
                        "Version %(n)s was submitted after the nomination: complete its basic "
                        "screening before sending the PIN."
                    )
                    % {"n": version.number}
                )
            selection.version = version  # the PIN and the decision follow the revised version
            selection.save(update_fields=["version"])
        content = pin_preview(selection)
        if content["missing"]:
            # the secretariat checks that the PIN covers the necessary information (3.(3)):
            # an incomplete one is not sent; the applicant completes it in a revision
            gaps = pin_missing(content, get_language() or "ja")
            raise ServiceError(
                _(
                    "The PIN is not complete, so it cannot be sent to the JCM secretariat. "
                    "Missing: %(gaps)s. Open the proposal for revision so that the applicant "
                    "completes it (section “PIN (form 3-16)” of the form)."
                )
                % {"gaps": "; ".join(gaps)}
            )
        pin = ProjectIdeaNote.objects.create(
            selection=selection,
            country=proposal.country,
            content=content,
            sha256=pin_digest(content),
            sent_at=clock.now(),
            sent_by=actor,
        )
        _transition(selection, "_send_pin", actor, "pin_send", pin=pin.pk, sha256=pin.sha256)
        secretariat = get_user_model().objects.filter(role=Role.SECRETARIAT, is_active=True)
        _send(
            secretariat,
            gettext_noop("[Renkei] PIN received"),
            gettext_noop(
                "PIN %(receipt)s (%(country)s): please check that it covers the necessary "
                "information and forward it to the Joint Committee."
            ),
            f"/pins/{pin.pk}/",
            receipt=proposal.receipt_number,
            country=proposal.country,
        )
    return pin


def pin_forward(*, actor: Any, pin: ProjectIdeaNote) -> ProjectIdeaNote:
    """The JCM secretariat confirms the PIN and forwards it to the partner country (3.(3))."""
    pin = ProjectIdeaNote.objects.get(pk=pin.pk)  # decide on fresh data
    _require(actor, "forward_pin", pin)
    with transaction.atomic():
        pin = ProjectIdeaNote.objects.select_for_update().get(pk=pin.pk)
        if pin.forwarded_at is not None:
            raise ServiceError(_("This PIN was already forwarded."))
        pin.forwarded_at, pin.forwarded_by = clock.now(), actor
        pin.save()
        selection = Selection.objects.select_for_update().get(pk=pin.selection_id)
        _transition(selection, "_forward", actor, "pin_forward", pin=pin.pk)
        contacts = get_user_model().objects.filter(
            role=Role.JOINT_COMMITTEE, country=pin.country, is_active=True
        )
        _send(
            contacts,
            gettext_noop("[Renkei] PIN for the Joint Committee"),
            gettext_noop(
                "A PIN for a JCM Model Project in your country (%(country)s) awaits the Joint "
                "Committee's confirmation that there is no objection to its selection."
            ),
            f"/pins/{pin.pk}/",
            country=pin.country,
        )
    return pin


def pin_respond(*, actor: Any, pin: ProjectIdeaNote, objection: bool, comment: str) -> Selection:
    """The partner country's Joint Committee contact records no objection, or an objection with
    its reason (採択に異論がないことを確認, 3.(1))."""
    pin = ProjectIdeaNote.objects.get(pk=pin.pk)  # decide on fresh data
    _require(actor, "respond_pin", pin)
    if objection and not comment.strip():
        raise ServiceError(_("Give the reason for the objection."))
    with transaction.atomic():
        pin = ProjectIdeaNote.objects.select_for_update().get(pk=pin.pk)
        if pin.response:
            raise ServiceError(_("The Joint Committee's answer was already recorded."))
        pin.response = (
            ProjectIdeaNote.Response.OBJECTION
            if objection
            else ProjectIdeaNote.Response.NO_OBJECTION
        )
        pin.response_comment, pin.responded_at, pin.responded_by = (
            comment.strip(),
            clock.now(),
            actor,
        )
        pin.save()
        selection = Selection.objects.select_for_update().get(pk=pin.selection_id)
        method = "_objection" if objection else "_no_objection"
        _transition(selection, method, actor, "pin_respond", pin=pin.pk, comment=comment.strip())
        office = get_user_model().objects.filter(role=Role.OFFICE, is_active=True)
        _send(
            office,
            gettext_noop("[Renkei] Joint Committee answer"),
            gettext_noop("The Joint Committee (%(country)s) answered on “%(title)s”: %(answer)s."),
            f"/office/proposals/{selection.proposal_id}/selection/",
            country=pin.country,
            title=selection.proposal.title,
            answer=Msg(ProjectIdeaNote.Response(pin.response).label),
        )
    return selection


# --- queries from the partner country's side (3.(3), form 3-16) -------------------------------
def pin_query_ask(*, actor: Any, pin: ProjectIdeaNote, question: str) -> PinQuery:
    """The JCM secretariat or the Joint Committee contact asks about a PIN; the question reaches
    the applicants through the office (JCM 事務局からセンターを通じ、応募者に照会)."""
    pin = ProjectIdeaNote.objects.get(pk=pin.pk)
    _require(actor, "ask_query", pin)
    question = question.strip()
    if not question:
        raise ServiceError(_("Write the question."))
    with transaction.atomic():
        query = PinQuery.objects.create(
            pin=pin, question=question, asked_at=clock.now(), asked_by=actor
        )
        audit_record(
            actor=actor,
            obj=pin,
            action="pin_query_ask",
            payload={"query": query.pk, "question": question},
        )
        proposal = pin.selection.proposal
        link = f"/pins/{pin.pk}/#query-{query.pk}"
        office = get_user_model().objects.filter(role=Role.OFFICE, is_active=True)
        for recipients in (office, _applicants(proposal)):
            _send(
                recipients,
                gettext_noop("[Renkei] A query from the partner country"),
                gettext_noop(
                    "The partner country's side asks about the PIN of “%(title)s” "
                    "(%(receipt)s); please answer on the PIN page: %(question)s"
                ),
                link,
                title=proposal.title,
                receipt=proposal.receipt_number,
                question=question,
            )
    return query


def pin_query_answer(*, actor: Any, query: PinQuery, answer: str) -> PinQuery:
    """An applicant (or the office for them) answers a query once; the secretariat and, once
    the PIN is with it, the Joint Committee contact are told, in English."""
    query = PinQuery.objects.select_related("pin").get(pk=query.pk)
    _require(actor, "answer_query", query)
    answer = answer.strip()
    if not answer:
        raise ServiceError(_("Write the answer."))
    with transaction.atomic():
        query = PinQuery.objects.select_for_update().get(pk=query.pk)
        if query.answered_at is not None:
            raise ServiceError(_("This query was already answered."))
        query.answer, query.answered_at, query.answered_by = answer, clock.now(), actor
        query.save()
        pin = query.pin
        audit_record(
            actor=actor,
            obj=pin,
            action="pin_query_answer",
            payload={"query": query.pk, "answer": answer},
        )
        users = get_user_model().objects.filter(is_active=True)
        recipients = list(users.filter(role=Role.SECRETARIAT))
        if pin.forwarded_at is not None:
            recipients += list(users.filter(role=Role.JOINT_COMMITTEE, country=pin.country))
        _send(
            recipients,
            gettext_noop("[Renkei] Answer to a query on a PIN"),
            gettext_noop("The applicant answered the query on PIN %(receipt)s: %(answer)s"),
            f"/pins/{pin.pk}/#query-{query.pk}",
            receipt=pin.content.get("receipt_number", pin.pk),
            answer=answer,
        )
    return query


# --- 内示 and non-selection --------------------------------------------------------------------
@dataclass(frozen=True)
class Budget:
    budget_jpy: int | None
    committed_jpy: int
    scope: str  # "round" or "call"

    @property
    def remaining_jpy(self) -> int | None:
        return None if self.budget_jpy is None else self.budget_jpy - self.committed_jpy


def country_marks(proposal: Proposal) -> list[dict[str, str]]:
    """What the call says about the proposal's country for the decision, e.g. 2.(3) ※2: an
    adoption in Myanmar may be reserved in view of the situation at the time of the decision.
    Shown to the office beside the decision; the decision stays the office's."""
    countries = getattr(load_rulebook(proposal.call.rulebook_id), "partner_countries", None)
    if countries is None:  # C3P: Table 3 carries no such note
        return []
    for country in countries.countries:
        if country.code == proposal.country:
            return [
                {"mark": m, "clause": countries.marks[m].clause, "text": countries.marks[m].text_ja}
                for m in country.marks
            ]
    return []


def budget_of(round: Round) -> Budget:
    """The 内示 amounts already committed against the round's budget, or against the call's
    budget when the round has none (5.(2): the call ends when 内示 amounts reach the budget)."""
    adopted = Selection.objects.filter(state=SelectionState.ADOPTED)
    if round.budget_jpy is not None:
        used = adopted.filter(proposal__round=round).aggregate(s=Sum("naiji_amount_jpy"))["s"]
        return Budget(round.budget_jpy, used or 0, "round")
    used = adopted.filter(proposal__call=round.call).aggregate(s=Sum("naiji_amount_jpy"))["s"]
    return Budget(round.call.budget_jpy, used or 0, "call")


def naiji_issue(*, actor: Any, selection: Selection) -> Selection:
    """Decide the adoption and issue the 内示 (3.(1), 3.(4)) for the subsidy assessed on the
    selected version, within the budget; the applicant is told the amount and the 30-day
    deadline for the grant application (4.(2))."""
    selection = Selection.objects.get(pk=selection.pk)  # decide on fresh data
    _require(actor, "issue_naiji", selection)
    from renkei.rules.jcm.schedule import deadline

    with transaction.atomic():
        selection = Selection.objects.select_for_update().get(pk=selection.pk)
        proposal = Proposal.objects.select_for_update().get(pk=selection.proposal_id)
        if selection.state != SelectionState.NO_OBJECTION:
            raise ServiceError(_("内示 needs the Joint Committee's no-objection first."))
        amount = _subsidy(selection.version)
        _check_budget(proposal, amount)
        now = clock.now()
        today = now.astimezone(JST).date()
        due = deadline(load_rulebook(proposal.call.rulebook_id), "grant-application", today)
        result = assess_proposal(validate_proposal(selection.version.document))
        doc = validate_proposal(selection.version.document)
        selection.naiji_number = f"N-{proposal.receipt_number}"
        selection.naiji_at, selection.naiji_amount_jpy = now, amount
        selection.published = {
            "country": proposal.country,
            "title": proposal.title,
            "title_en": getattr(getattr(doc, "project_idea", None), "title_en", ""),
            "company": doc.consortium.representative.name,
            "company_en": doc.consortium.representative.name_en or "",
            "partners": [p.name for p in doc.consortium.partners],
            "partners_en": [p.name_en or p.name for p in doc.consortium.partners],
            "annual_reduction_tco2": str(result.figures.get("annual_reduction_tco2", "")),
            "lifetime_reduction_tco2": str(result.figures.get("lifetime_reduction_tco2", "")),
            "published_on": today.isoformat(),
            "call": proposal.call.rulebook_id,
        }
        _transition(
            selection, "_adopt", actor, "naiji_issue", number=selection.naiji_number, amount=amount
        )
        _tell_applicants(
            proposal,
            gettext_noop("[Renkei] Notice of selection (内示)"),
            gettext_noop(
                "内示: “%(title)s” (receipt %(receipt)s) is adopted with a subsidy of up to "
                "%(amount)s yen (内示 number %(number)s). Submit the grant application by %(due)s "
                "(within 30 days, 4.(2)); the 内示 may be withdrawn from %(cancel)s if no grant "
                "decision can be made."
            ),
            amount=f"{amount:,}",
            number=selection.naiji_number,
            due=due.due,
            cancel=due.extra["naiji_cancellable_from"],
        )
    return selection


def selection_adopt_c3p(*, actor: Any, proposal: Proposal) -> Selection:
    """C3P: the office adopts an evaluated proposal within the budget (the guidebook has no PIN
    or Joint Committee step; the contract amount is settled after a review, BOX 6). The lead
    organisation is told; the project joins the published list."""
    _require(actor, "adopt_c3p", proposal)
    if not proposal.review_assignments.filter(submitted_at__isnull=False).exists():
        raise ServiceError(_("No reviewer has submitted an evaluation of this proposal yet."))
    with transaction.atomic():
        proposal = Proposal.objects.select_for_update().get(pk=proposal.pk)
        if Selection.objects.filter(proposal=proposal).exists():
            raise ServiceError(_("This proposal already has a selection decision."))
        version = _latest_version(proposal)
        amount = _subsidy(version)
        _check_budget(proposal, amount)
        doc = validate_proposal(version.document)
        now = clock.now()
        selection = Selection(
            proposal=proposal,
            version=version,
            subsidy_jpy=amount,
            decided_by=actor,
            decided_at=now,
            naiji_number=f"A-{proposal.receipt_number}",
            naiji_at=now,
            naiji_amount_jpy=amount,
            published={
                "program": "c3p",
                "country": doc.partner_city.country,
                "title": doc.project.title_ja,
                "title_en": doc.project.title_en,
                "company": doc.applicant.name,
                "partners": [doc.japanese_city.name_ja, doc.partner_city.name],
                "annual_reduction_tco2": "",
                "lifetime_reduction_tco2": "",
                "published_on": now.astimezone(JST).date().isoformat(),
                "call": proposal.call.rulebook_id,
            },
        )
        _record_new(selection, SelectionState.ADOPTED, actor, "selection_adopt_c3p", amount=amount)
        _tell_applicants(
            proposal,
            gettext_noop("[Renkei] Result of the selection"),
            gettext_noop(
                "“%(title)s” (receipt %(receipt)s) is adopted. The contract amount, up to "
                "%(amount)s yen including tax as proposed, is settled after a review of the "
                "costs; prepare the implementation plan (BOX 6)."
            ),
            amount=f"{amount:,}",
        )
    return selection


def selection_reject(*, actor: Any, proposal: Proposal, reason: str) -> Selection:
    """Not adopted (不採択の場合はその旨ご連絡します, 3.(4)): from any open stage, or for a
    proposal never made a candidate; the applicant is told, with the reason."""
    if not reason.strip():
        raise ServiceError(_("Give the reason for not adopting the proposal."))
    proposal = Proposal.objects.get(pk=proposal.pk)
    existing = Selection.objects.filter(proposal=proposal).first()
    if existing is not None and existing.state not in OPEN_STATES:
        raise ServiceError(_("This proposal already has a final decision."))
    _require(actor, "reject", existing if existing is not None else proposal)
    with transaction.atomic():
        proposal = Proposal.objects.select_for_update().get(pk=proposal.pk)
        selection = Selection.objects.select_for_update().filter(proposal=proposal).first()
        if selection is None:
            version = _latest_version(proposal)
            if version is None or proposal.state != ProposalState.SUBMITTED:
                raise ServiceError(_("Only a submitted proposal can be decided."))
            selection = Selection(
                proposal=proposal,
                version=version,
                decided_by=actor,
                decided_at=clock.now(),
                reason=reason.strip(),
            )
            _record_new(
                selection, SelectionState.NOT_ADOPTED, actor, "selection_reject", reason=reason
            )
        elif selection.state in OPEN_STATES:
            selection.reason, selection.decided_at, selection.decided_by = (
                reason.strip(),
                clock.now(),
                actor,
            )
            _transition(selection, "_reject", actor, "selection_reject", reason=reason.strip())
        else:
            raise ServiceError(_("This proposal already has a final decision."))
        hearing = Hearing.objects.select_for_update().filter(proposal=proposal).first()
        cancelled = hearing is not None and hearing.held_at is None and not hearing.cancelled_at
        if cancelled:  # nobody comes to Tokyo for a proposal that is not adopted
            hearing.cancelled_at = clock.now()
            hearing.save(update_fields=["cancelled_at"])
            audit_record(
                actor=actor,
                obj=hearing,
                action="hearing_cancel",
                from_state="scheduled",
                to_state="cancelled",
                payload={"proposal": proposal.pk, "reason": reason.strip()},
            )
        _tell_applicants(
            proposal,
            gettext_noop("[Renkei] Result of the selection"),
            gettext_noop(
                "We regret that “%(title)s” (receipt %(receipt)s) was not adopted. Reason: "
                "%(reason)s"
            )
            if not cancelled
            else gettext_noop(
                "We regret that “%(title)s” (receipt %(receipt)s) was not adopted. Reason: "
                "%(reason)s. The hearing scheduled for %(hearing)s is cancelled."
            ),
            reason=reason.strip(),
            **(
                {"hearing": hearing.scheduled_at.astimezone(JST).strftime("%Y-%m-%d %H:%M")}
                if cancelled
                else {}
            ),
        )
    return selection


def selection_reject_remaining(*, actor: Any, round: Round, reason: str) -> list[Selection]:
    """Send the non-selection notice to every submitted proposal of the round that has no
    decision and is not a candidate (e.g. once the round's adoptions are complete)."""
    if access.role_of(actor) != Role.OFFICE:
        raise NotAllowed(_("You are not allowed to do this."))
    if not reason.strip():
        raise ServiceError(_("Give the reason for not adopting the proposal."))
    pending = Proposal.objects.filter(
        round=round, state=ProposalState.SUBMITTED, selection__isnull=True
    ).order_by("pk")
    return [selection_reject(actor=actor, proposal=p, reason=reason) for p in pending]
