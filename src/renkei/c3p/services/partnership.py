"""The C3P stage's partnership services (issue 11): every state change of this part, each with
its permission check, fresh rows under lock, audit event and notices after commit.

- ``partnerships_load_reference``: the guidebook's partnerships (BOX 8), idempotently;
- ``partnership_create`` (the office), ``partnership_update`` (intention to conclude an
  agreement, C3P §3.2 Elig.(7));
- ``agreement_record``: an agreement signed or renewed (BOX 8);
- ``letter_add``: a letter of interest with, from the partner city, its Japanese translation
  (C3P §3.2 Elig.(9));
- ``partnership_link_proposal``: a C3P proposal's representative asks to name a partnership;
  ``partnership_link_confirm`` / ``partnership_link_decline``: the Japanese municipality
  consents (or not). Once confirmed, the proposal's document says what the partnership says
  about the two cities, the agreement and the letters (the rules core assesses the document:
  Elig.(7)–(9)), through the proposal's own service.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from renkei import access, clock
from renkei.accounts.models import Organisation, Role, User
from renkei.accounts.notices import notify
from renkei.audit.services import audit_record
from renkei.c3p.models import (
    CityPartnership,
    CollaborationAgreement,
    LetterOfInterest,
    PartnershipLink,
)
from renkei.c3p.reference_partnerships import PARTNERSHIPS, SOURCE
from renkei.proposals import services as proposal_services
from renkei.proposals.models import Proposal
from renkei.services import NotAllowed, ServiceError, check_lengths, clean_text

__all__ = [
    "agreement_record",
    "letter_add",
    "partnership_create",
    "partnership_link_confirm",
    "partnership_link_decline",
    "partnership_link_proposal",
    "partnership_update",
    "partnerships_load_reference",
]


def require(user: Any, action: str, obj: Any) -> None:
    if not access.can(user, action, obj):
        raise NotAllowed(_("You are not allowed to do this."))


def _locked(partnership: CityPartnership) -> CityPartnership:
    return (
        CityPartnership.objects.select_for_update()
        .select_related("japanese_city", "partner_city")
        .get(pk=partnership.pk)
    )


def _members(*organisation_ids: int) -> list[User]:
    return list(
        User.objects.filter(
            organisation_id__in=organisation_ids, role=Role.APPLICANT, is_active=True
        )
    )


def partnerships_load_reference() -> int:
    """Create what is missing of the guidebook's partnerships (BOX 8): the two organisations
    (found by name and country, as the demo makes them), the partnership and its agreement.
    Returns how many records were created; a second run creates none."""
    created = 0
    with transaction.atomic():
        for ref in PARTNERSHIPS:
            japan, made_j = Organisation.objects.get_or_create(
                name=ref.japanese_city_ja,
                country="JP",
                defaults=dict(name_en=ref.japanese_city_en, kind=Organisation.Kind.MUNICIPALITY),
            )
            abroad, made_a = Organisation.objects.get_or_create(
                name=ref.partner_city,
                country=ref.country,
                defaults=dict(name_en=ref.partner_city, kind=Organisation.Kind.PARTNER_CITY),
            )
            partnership, made_p = CityPartnership.objects.get_or_create(
                japanese_city=japan,
                partner_city=abroad,
                defaults=dict(source=f"{SOURCE} (L{ref.line})", note=ref.note),
            )
            made_g = False
            if not partnership.agreements.filter(title=ref.title).exists():
                CollaborationAgreement.objects.create(
                    partnership=partnership,
                    kind=ref.kind,
                    title=ref.title,
                    event=ref.event,
                    signed_on=ref.month,
                    precision=CollaborationAgreement.Precision.MONTH,
                    source=f"{SOURCE} (L{ref.line})",
                )
                made_g = True
            if made_p or made_g:
                audit_record(
                    actor=None,
                    obj=partnership,
                    action="c3p_partnership_load_reference",
                    payload={"source": SOURCE, "line": ref.line},
                )
            created += sum((made_j, made_a, made_p, made_g))
    return created


def _city(org: Organisation, *, japanese: bool) -> None:
    kind = Organisation.Kind.MUNICIPALITY if japanese else Organisation.Kind.PARTNER_CITY
    if japanese and (org.kind != kind or org.country != "JP"):
        raise ServiceError(
            _(
                "%(org)s is not a Japanese municipality: the Japanese side of a partnership is a "
                "prefecture, city, ward, town or village in Japan (C3P §1.2)."
            )
            % {"org": org}
        )
    if not japanese and (org.kind != kind or org.country == "JP"):
        raise ServiceError(
            _(
                "%(org)s is not a partner city overseas: choose an organisation of the kind "
                "“Partner city” outside Japan (C3P §1.2)."
            )
            % {"org": org}
        )


def partnership_create(
    *,
    actor: Any,
    japanese_city: Organisation,
    partner_city: Organisation,
    intends_agreement: bool = False,
    note: str = "",
) -> CityPartnership:
    require(actor, "create_c3p_partnership", None)
    _city(japanese_city, japanese=True)
    _city(partner_city, japanese=False)
    note = clean_text(note, _("Note"), required=False, limit=5000)
    with transaction.atomic():
        existing = CityPartnership.objects.filter(
            japanese_city=japanese_city, partner_city=partner_city
        ).first()
        if existing is not None:
            raise ServiceError(
                _("%(p)s is recorded already: add its agreements and letters there.")
                % {"p": existing}
            )
        partnership = CityPartnership.objects.create(
            japanese_city=japanese_city,
            partner_city=partner_city,
            intends_agreement=intends_agreement,
            note=note,
        )
        audit_record(actor=actor, obj=partnership, action="c3p_partnership_create")
    return partnership


def partnership_update(
    *, actor: Any, partnership: CityPartnership, intends_agreement: bool, note: str
) -> CityPartnership:
    require(actor, "record_c3p_partnership", partnership)
    note = clean_text(note, _("Note"), required=False, limit=5000)
    with transaction.atomic():
        p = _locked(partnership)
        before = p.intends_agreement
        p.intends_agreement = intends_agreement
        p.note = note
        p.save(update_fields=["intends_agreement", "note"])
        audit_record(
            actor=actor,
            obj=p,
            action="c3p_partnership_update",
            payload={"intends_agreement": [before, intends_agreement]},
        )
    return p


def agreement_record(
    *,
    actor: Any,
    partnership: CityPartnership,
    kind: str,
    title: str,
    event: str,
    signed_on: dt.date,
    expires_on: dt.date | None = None,
    renews: CollaborationAgreement | None = None,
) -> CollaborationAgreement:
    """An agreement signed, or a renewal of one of the partnership's (BOX 8)."""
    require(actor, "record_c3p_partnership", partnership)
    title = clean_text(title, _("Title of the agreement"), limit=300)
    if kind not in CollaborationAgreement.Kind.values:
        raise ServiceError(
            _("%(kind)s is not a kind of agreement; choose one of: %(kinds)s")
            % {"kind": kind, "kinds": ", ".join(CollaborationAgreement.Kind.values)}
        )
    if event not in CollaborationAgreement.Event.values:
        raise ServiceError(
            _("%(event)s is not an event of an agreement; choose signed or renewed.")
            % {"event": event}
        )
    if expires_on is not None and expires_on <= signed_on:
        raise ServiceError(
            _(
                "The agreement would expire on %(exp)s, not after it was signed or renewed on "
                "%(signed)s: give a later expiry date, or none."
            )
            % {"exp": expires_on, "signed": signed_on}
        )
    if event == CollaborationAgreement.Event.SIGNED and renews is not None:
        raise ServiceError(_("Only a renewal renews an agreement: choose “Renewed”."))
    with transaction.atomic():
        p = _locked(partnership)
        if renews is not None:
            if renews.partnership_id != p.pk:
                raise ServiceError(
                    _("The agreement renewed must be one of this partnership's agreements.")
                )
            if signed_on <= renews.signed_on:
                raise ServiceError(
                    _(
                        "A renewal on %(on)s cannot come before the agreement it renews "
                        "(%(before)s): give a date after %(before)s."
                    )
                    % {"on": signed_on, "before": renews.date_text}
                )
        agreement = CollaborationAgreement.objects.create(
            partnership=p,
            kind=kind,
            title=title,
            event=event,
            signed_on=signed_on,
            expires_on=expires_on,
            renews=renews,
            recorded_by=actor,
        )
        audit_record(
            actor=actor,
            obj=p,
            action="c3p_agreement_record",
            to_state=event,
            payload={"agreement": agreement.pk, "signed_on": signed_on.isoformat()},
        )
        notify(
            _members(p.japanese_city_id, p.partner_city_id),
            subject=gettext_noop("A collaboration agreement was recorded"),
            message=gettext_noop("%(title)s (%(partnership)s) was recorded on the platform."),
            values={"title": title, "partnership": str(p)},
            link=reverse("c3p:partnership_detail", args=[p.pk]),
            email=False,
        )
    return agreement


def _side_allowed(actor: Any, p: CityPartnership, side: str) -> None:
    if access.role_of(actor) == Role.OFFICE or side == LetterOfInterest.Side.OTHER:
        return
    own = (
        LetterOfInterest.Side.JAPANESE_CITY
        if actor.organisation_id == p.japanese_city_id
        else LetterOfInterest.Side.PARTNER_CITY
    )
    if side != own:
        raise ServiceError(
            _(
                "Your organisation can upload its own letter of interest or another "
                "stakeholder's, not the other city's: that city uploads its own (or the office)."
            )
        )


def _keep(field: Any, upload: UploadedFile, checked: Any) -> None:
    field.save(f"{uuid.uuid4().hex}{checked.ext}", upload, save=False)


def letter_add(
    *,
    actor: Any,
    partnership: CityPartnership,
    side: str,
    signatory: str,
    dated: dt.date,
    upload: UploadedFile | None,
    translation: UploadedFile | None = None,
    states_intent_to_conclude: bool = False,
    proposal: Proposal | None = None,
) -> LetterOfInterest:
    """A letter of interest (C3P §3.2 Elig.(9); copies permitted: §3.4 Doc.(10)); the partner
    city's comes with its Japanese translation."""
    require(actor, "record_c3p_partnership", partnership)
    if side not in LetterOfInterest.Side.values:
        raise ServiceError(
            _("%(side)s is not a side of the partnership; choose one of: %(sides)s")
            % {"side": side, "sides": ", ".join(LetterOfInterest.Side.values)}
        )
    signatory = clean_text(signatory, _("Signatory"), limit=200)
    if upload is None:
        raise ServiceError(_("Choose the file of the letter (a scan or a copy is accepted)."))
    checked = proposal_services.check_file(upload)
    checked_translation = None
    if side == LetterOfInterest.Side.PARTNER_CITY:
        if translation is None:
            raise ServiceError(
                _(
                    "The partner city's letter of interest must be accompanied by a Japanese "
                    "translation (C3P §3.2 (9)): add the translation's file."
                )
            )
        checked_translation = proposal_services.check_file(translation)
    elif translation is not None:
        checked_translation = proposal_services.check_file(translation)
    check_lengths(LetterOfInterest, original_name=checked.name[:255])
    with transaction.atomic():
        p = _locked(partnership)
        _side_allowed(actor, p, side)
        if proposal is not None and proposal.c3p_partnership_id != p.pk:
            raise ServiceError(
                _("%(proposal)s is not linked to this partnership: link it first, or leave it out.")
                % {"proposal": proposal}
            )
        letter = LetterOfInterest(
            partnership=p,
            proposal=proposal,
            side=side,
            signatory=signatory,
            dated=dated,
            states_intent_to_conclude=states_intent_to_conclude,
            original_name=checked.name[:255],
            sha256=checked.sha256,
            size=checked.size,
            uploaded_by=actor,
        )
        _keep(letter.file, upload, checked)
        saved = [letter.file.name]
        try:
            if checked_translation is not None:
                _keep(letter.translation, translation, checked_translation)
                saved.append(letter.translation.name)
                letter.translation_name = checked_translation.name[:255]
                letter.translation_sha256 = checked_translation.sha256
            letter.save()
            audit_record(
                actor=actor,
                obj=p,
                action="c3p_letter_add",
                to_state=side,
                payload={"letter": letter.pk, "sha256": letter.sha256, "name": checked.name},
            )
        except BaseException:
            for name in saved:
                letter.file.storage.delete(name)
            raise
        other = p.partner_city_id if side == "japanese_city" else p.japanese_city_id
        notify(
            _members(other),
            subject=gettext_noop("A letter of interest was added"),
            message=gettext_noop("A letter of interest from %(signatory)s was added to %(p)s."),
            values={"signatory": signatory, "p": str(p)},
            link=reverse("c3p:partnership_detail", args=[p.pk]),
            email=False,
        )
    return letter


def _letters_for(p: CityPartnership, proposal: Proposal) -> dict[str, Any]:
    """What the partnership's letters say, for the proposal: letters for it or for none."""
    letters = [letter for letter in p.letters.all() if letter.proposal_id in (None, proposal.pk)]
    japan = [x for x in letters if x.side == LetterOfInterest.Side.JAPANESE_CITY]
    abroad = [x for x in letters if x.side == LetterOfInterest.Side.PARTNER_CITY]
    return {
        "japan": bool(japan),
        "abroad": bool(abroad),
        "translated": bool(abroad) and all(x.translation for x in abroad),
        "intent": any(x.states_intent_to_conclude for x in abroad),
    }


def partnership_document(p: CityPartnership, proposal: Proposal, document: dict) -> dict:
    """``document`` with its cities, agreement and letters taken from the partnership (keys the
    partnership says nothing about are kept as typed)."""
    doc = dict(document)
    letters = _letters_for(p, proposal)
    city = dict(doc.get("japanese_city") or {})
    city.update(
        name_ja=p.japanese_city.name,
        name_en=p.japanese_city.name_en or p.japanese_city.name,
        letter_of_interest=letters["japan"],
    )
    partner = dict(doc.get("partner_city") or {})
    partner.update(
        name=p.partner_city.name_en or p.partner_city.name,
        country=p.partner_city.country,
        letter_of_interest=letters["abroad"],
        letter_japanese_translation=letters["translated"],
        letter_states_intent_to_conclude_agreement=letters["intent"],
    )
    if p.partner_city.name != partner["name"]:
        partner["name_ja"] = p.partner_city.name
    agreement = p.current_agreement()
    if agreement is not None:
        doc["agreement"] = {
            "status": "concluded",
            "title": agreement.title,
            "concluded_on": agreement.signed_on.isoformat(),
        }
    else:
        doc["agreement"] = {"status": "intended" if p.intends_agreement else "none"}
    doc["japanese_city"], doc["partner_city"] = city, partner
    return doc


def _link_members(p: CityPartnership, *, exclude: Any = None) -> list[User]:
    return [u for u in _members(p.japanese_city_id) if exclude is None or u.pk != exclude.pk]


def partnership_link_proposal(
    *, actor: Any, proposal: Proposal, partnership: CityPartnership | None
) -> Proposal:
    """The representative participant asks to name ``partnership`` in its C3P proposal (None:
    unlink at once, the cities stay as they were and are typed again). The Japanese
    municipality consents: its members are asked to confirm or decline, and until one confirms
    the link is pending and the proposal names no partnership (its cities stay as typed). A
    representative who is itself a member of the municipality confirms in asking."""
    require(actor, "pick_c3p_partnership", proposal)
    with transaction.atomic():
        fresh = Proposal.objects.select_for_update().get(pk=proposal.pk)
        require(actor, "pick_c3p_partnership", fresh)
        before = fresh.c3p_partnership_id
        link = PartnershipLink.objects.select_for_update().filter(proposal=fresh).first()
        if partnership is None:
            Proposal.objects.filter(pk=fresh.pk).update(c3p_partnership=None)
            if link is not None:
                link.delete()
            audit_record(
                actor=actor,
                obj=fresh,
                action="c3p_partnership_link_proposal",
                from_state=str(before or ""),
                to_state="",
            )
            fresh.refresh_from_db()
            return fresh
        p = _locked(partnership)
        if link is not None and link.partnership_id == p.pk and link.state != "declined":
            return fresh  # already asked for (or confirmed): nothing new
        Proposal.objects.filter(pk=fresh.pk).update(c3p_partnership=None)
        if link is None:
            link = PartnershipLink(proposal=fresh)
        link.partnership, link.state = p, PartnershipLink.State.REQUESTED
        link.requested_by, link.requested_at = actor, clock.now()
        link.decided_by, link.decided_at, link.reason = None, None, ""
        link.save()
        audit_record(
            actor=actor,
            obj=link,
            action="c3p_partnership_link_request",
            from_state=str(before or ""),
            to_state=link.state,
            payload={"proposal": fresh.pk, "partnership": p.pk},
        )
        if actor.organisation_id == p.japanese_city_id:
            _confirm(actor, link)
        else:
            notify(
                _link_members(p),
                subject=gettext_noop("A C3P proposal asks to name your city partnership"),
                message=gettext_noop(
                    "%(org)s asks to name the partnership %(p)s in its C3P proposal “%(title)s”: "
                    "confirm or decline it on the partnership's page."
                ),
                values={"org": str(fresh.organisation), "title": fresh.title, "p": str(p)},
                link=reverse("c3p:partnership_detail", args=[p.pk]),
            )
    fresh.refresh_from_db()
    return fresh


def _locked_link(link: PartnershipLink) -> tuple[PartnershipLink, Proposal]:
    proposal = Proposal.objects.select_for_update().get(pk=link.proposal_id)
    fresh = (
        PartnershipLink.objects.select_for_update()
        .select_related("partnership__japanese_city", "partnership__partner_city", "requested_by")
        .get(pk=link.pk)
    )
    return fresh, proposal


def _pending(link: PartnershipLink) -> None:
    if link.state != PartnershipLink.State.REQUESTED:
        raise ServiceError(
            _("This request was already answered (%(state)s).")
            % {"state": link.get_state_display()}
        )


def _confirm(actor: Any, link: PartnershipLink) -> None:
    """Inside the caller's transaction, with the proposal and the link locked."""
    p = link.partnership
    proposal = Proposal.objects.get(pk=link.proposal_id)
    try:  # the document is the representative's: written as the one who asked
        proposal_services.proposal_update_document(
            actor=link.requested_by,
            proposal=proposal,
            document=partnership_document(p, proposal, proposal.document),
        )
    except NotAllowed as exc:
        raise ServiceError(
            _(
                "The proposal can no longer be edited (it was submitted, or its representative "
                "changed): the partnership cannot be named in it now."
            )
        ) from exc
    Proposal.objects.filter(pk=proposal.pk).update(c3p_partnership=p)
    link.state, link.decided_by, link.decided_at = (
        PartnershipLink.State.CONFIRMED,
        actor,
        clock.now(),
    )
    link.save()
    audit_record(
        actor=actor,
        obj=link,
        action="c3p_partnership_link_confirm",
        from_state=PartnershipLink.State.REQUESTED,
        to_state=link.state,
        payload={"proposal": proposal.pk, "partnership": p.pk},
    )
    notify(
        _members(p.japanese_city_id, p.partner_city_id, proposal.organisation_id),
        subject=gettext_noop("A C3P proposal names your city partnership"),
        message=gettext_noop(
            "%(org)s's proposal “%(title)s” names the partnership %(p)s (confirmed by the "
            "Japanese municipality)."
        ),
        values={"org": str(proposal.organisation), "title": proposal.title, "p": str(p)},
        link=reverse("c3p:partnership_detail", args=[p.pk]),
    )


def partnership_link_confirm(*, actor: Any, link: PartnershipLink) -> PartnershipLink:
    """A member of the Japanese municipality confirms the request: the proposal names the
    partnership, and its cities, agreement and letters are taken from it."""
    require(actor, "decide_c3p_partnership_link", link)
    with transaction.atomic():
        link, _proposal = _locked_link(link)
        require(actor, "decide_c3p_partnership_link", link)
        _pending(link)
        _confirm(actor, link)
    return link


def partnership_link_decline(*, actor: Any, link: PartnershipLink, reason: str) -> PartnershipLink:
    """A member of the Japanese municipality declines the request, with its reason; the
    representative is told and the proposal names no partnership."""
    require(actor, "decide_c3p_partnership_link", link)
    reason = clean_text(reason, _("Reason"))
    with transaction.atomic():
        link, proposal = _locked_link(link)
        require(actor, "decide_c3p_partnership_link", link)
        _pending(link)
        link.state, link.decided_by, link.decided_at = (
            PartnershipLink.State.DECLINED,
            actor,
            clock.now(),
        )
        link.reason = reason
        link.save()
        audit_record(
            actor=actor,
            obj=link,
            action="c3p_partnership_link_decline",
            from_state=PartnershipLink.State.REQUESTED,
            to_state=link.state,
            payload={"reason": reason},
        )
        notify(
            _members(proposal.organisation_id),
            subject=gettext_noop("The municipality declined to name the city partnership"),
            message=gettext_noop(
                "%(city)s declined to have “%(title)s” name the partnership %(p)s: %(reason)s"
            ),
            values={
                "city": str(link.partnership.japanese_city),
                "title": proposal.title,
                "p": str(link.partnership),
                "reason": reason,
            },
            link=reverse("c3p:partnership_pick", args=[proposal.pk]),
        )
    return link
