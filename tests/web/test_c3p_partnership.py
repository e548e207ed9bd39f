"""City partnerships (issue 11; C3P §1.2, §3.2 Elig.(7)–(9), BOX 8): the guidebook's
partnerships loaded idempotently, agreements and renewals, letters of interest (the partner
city's with its Japanese translation), who may see and record them, and a C3P proposal that picks
its partnership instead of retyping the cities."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from c3pfactories_partnership import c3p_draft, cast, pdf
from django.core.management import call_command
from django.db import IntegrityError, transaction
from django.urls import reverse
from test_api import client_for

from renkei.accounts.models import Notice, User
from renkei.audit.models import AuditEvent
from renkei.c3p.models import (
    CityPartnership,
    CollaborationAgreement,
    LetterOfInterest,
    PartnershipLink,
)
from renkei.c3p.policy.partnership import partnerships_for
from renkei.c3p.reference_partnerships import PARTNERSHIPS
from renkei.c3p.services import partnership as services
from renkei.proposals.models import Proposal
from renkei.services import NotAllowed, ServiceError

pytestmark = pytest.mark.django_db


@pytest.fixture
def c(monkeypatch):
    from renkei.accounts import notices

    monkeypatch.setattr(notices.transaction, "on_commit", lambda fn, *a, **k: fn())
    return cast()


def test_the_guidebooks_partnerships_load_once_with_their_source() -> None:
    # four Japanese municipalities (Osaka thrice), six partner cities, partnerships, agreements
    assert services.partnerships_load_reference() == 4 + 6 + 6 + 6
    assert services.partnerships_load_reference() == 0
    out = io.StringIO()
    call_command("c3p_load_partnerships", stdout=out)
    assert out.getvalue() == "C3P guidebook FY2024, BOX 8: 0 record(s) created\n"
    assert CityPartnership.objects.count() == 6
    hcmc = CityPartnership.objects.get(partner_city__name="Ho Chi Minh City")
    assert hcmc.japanese_city.name == "大阪市"
    agreement = hcmc.current_agreement()
    assert (agreement.event, agreement.date_text, agreement.precision) == (
        "renewed",
        "2021-03",
        "month",
    )
    assert hcmc.source == "C3P guidebook FY2024, BOX 8 (L709)"
    assert agreement.source == hcmc.source


def test_the_demo_partnerships_are_the_reference_data() -> None:
    """The demo's PARTNERSHIPS list (its organisations) and the reference data name the same
    pairs, so loading either finds the other's organisations."""
    from renkei.calls.management.commands.renkei_demo import PARTNERSHIPS as DEMO

    assert {(ja, partner, pc) for ja, _en, _jc, partner, pc in DEMO} == {
        (r.japanese_city_ja, r.partner_city, r.country) for r in PARTNERSHIPS
    }


def test_the_seed_says_what_the_reference_data_cite() -> None:
    """Each record's line of BOX 8 names its partner and its month and year."""
    from pathlib import Path

    seed = Path(__file__).resolve().parents[3] / "shared/seeds/000_79b664c41ab51d70.txt"
    assert seed.is_file(), f"seed text missing: expected {seed} (shared/ beside the clone)"
    lines = seed.read_text("utf-8").splitlines()
    for ref in PARTNERSHIPS:
        window = " ".join(lines[ref.line - 1 : ref.line + 2])
        assert ref.partner_city.split(" (")[0].split(" ")[0] in window, ref
        assert f"{ref.month:%B} {ref.month.year}" in window, ref


def test_who_sees_a_partnership(c) -> None:
    assert list(partnerships_for(c.office)) == [c.partnership]
    assert list(partnerships_for(c.municipality)) == [c.partnership]
    assert list(partnerships_for(c.partner_user)) == [c.partnership]
    for user in (c.company_user, c.outsider, c.reviewer, c.secretariat, c.verifier):
        assert not partnerships_for(user).exists()


def test_only_the_office_creates_and_the_cities_must_be_cities(c) -> None:
    with pytest.raises(NotAllowed):
        services.partnership_create(
            actor=c.municipality, japanese_city=c.city, partner_city=c.other_city
        )
    with pytest.raises(ServiceError, match="not a Japanese municipality"):
        services.partnership_create(
            actor=c.office, japanese_city=c.company, partner_city=c.other_city
        )
    with pytest.raises(ServiceError, match="not a partner city overseas"):
        services.partnership_create(actor=c.office, japanese_city=c.city, partner_city=c.city)
    with pytest.raises(ServiceError, match="recorded already"):
        services.partnership_create(actor=c.office, japanese_city=c.city, partner_city=c.partner)
    made = services.partnership_create(
        actor=c.office, japanese_city=c.city, partner_city=c.other_city, intends_agreement=True
    )
    assert made.intends_agreement and made.current_agreement() is None


def test_a_renewal_comes_after_what_it_renews(c) -> None:
    original = c.partnership.current_agreement()
    with pytest.raises(ServiceError, match="cannot come before the agreement it renews"):
        services.agreement_record(
            actor=c.municipality,
            partnership=c.partnership,
            kind="mou",
            title="MOU renewed",
            event="renewed",
            signed_on=dt.date(2021, 1, 1),
            renews=original,
        )
    with pytest.raises(ServiceError, match="not after it was signed"):
        services.agreement_record(
            actor=c.partner_user,
            partnership=c.partnership,
            kind="mou",
            title="MOU renewed",
            event="renewed",
            signed_on=dt.date(2025, 4, 1),
            expires_on=dt.date(2025, 3, 31),
        )
    renewal = services.agreement_record(
        actor=c.partner_user,
        partnership=c.partnership,
        kind="mou",
        title="MOU renewed",
        event="renewed",
        signed_on=dt.date(2025, 4, 1),
        renews=original,
    )
    assert c.partnership.current_agreement() == renewal and renewal.renews == original
    # the Japanese municipality's applicants are told (the partner city recorded it)
    assert Notice.objects.filter(recipient=c.municipality).count() == 1
    with pytest.raises(NotAllowed):
        services.agreement_record(
            actor=c.outsider,
            partnership=c.partnership,
            kind="mou",
            title="x",
            event="signed",
            signed_on=dt.date(2025, 1, 1),
        )


def test_the_database_refuses_what_the_services_refuse(c) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        CollaborationAgreement.objects.create(
            partnership=c.partnership,
            kind="mou",
            title="x",
            event="signed",
            signed_on=dt.date(2025, 1, 1),
            expires_on=dt.date(2024, 1, 1),
        )
    with pytest.raises(IntegrityError), transaction.atomic():
        LetterOfInterest.objects.create(
            partnership=c.partnership,
            side="partner_city",
            signatory="Mayor",
            dated=dt.date(2025, 1, 1),
            file="x.pdf",
            original_name="x.pdf",
            sha256="0" * 64,
            size=1,
            uploaded_by=c.office,
        )


def test_the_partner_citys_letter_needs_its_japanese_translation(c) -> None:
    with pytest.raises(ServiceError, match=r"Japanese translation \(C3P §3.2 \(9\)\)"):
        services.letter_add(
            actor=c.partner_user,
            partnership=c.partnership,
            side="partner_city",
            signatory="Mayor",
            dated=dt.date(2025, 1, 10),
            upload=pdf(),
        )
    with pytest.raises(ServiceError, match="not the other city's"):
        services.letter_add(
            actor=c.municipality,
            partnership=c.partnership,
            side="partner_city",
            signatory="Mayor",
            dated=dt.date(2025, 1, 10),
            upload=pdf(),
            translation=pdf("ja.pdf"),
        )
    letter = services.letter_add(
        actor=c.partner_user,
        partnership=c.partnership,
        side="partner_city",
        signatory="Mayor",
        dated=dt.date(2025, 1, 10),
        upload=pdf(),
        translation=pdf("ja.pdf"),
    )
    assert letter.translation_name == "ja.pdf" and len(letter.sha256) == 64
    assert Notice.objects.filter(recipient=c.municipality).exists()
    assert not Notice.objects.filter(recipient=c.partner_user).exists()
    with pytest.raises(ServiceError, match="not accepted"):
        services.letter_add(
            actor=c.municipality,
            partnership=c.partnership,
            side="japanese_city",
            signatory="Mayor",
            dated=dt.date(2025, 1, 10),
            upload=pdf("letter.exe"),
        )


def test_a_c3p_proposal_picks_its_partnership_instead_of_retyping_it(c) -> None:
    services.letter_add(
        actor=c.municipality,
        partnership=c.partnership,
        side="japanese_city",
        signatory="Mayor of Sample City",
        dated=dt.date(2025, 1, 10),
        upload=pdf(),
    )
    proposal = c3p_draft(c.company_user)
    asked = services.partnership_link_proposal(
        actor=c.company_user, proposal=proposal, partnership=c.partnership
    )
    # issue 11: the Japanese municipality consents; until then the link is pending
    assert asked.c3p_partnership is None
    link = asked.c3p_partnership_link
    assert (link.state, link.partnership, link.requested_by) == (
        "requested",
        c.partnership,
        c.company_user,
    )
    asked_notice = Notice.objects.get(recipient=c.municipality)
    assert asked_notice.subject == "A C3P proposal asks to name your city partnership"
    assert asked_notice.link == reverse("c3p:partnership_detail", args=[c.partnership.pk])
    assert not Notice.objects.filter(recipient=c.partner_user, subject__contains="C3P").exists()
    services.partnership_link_confirm(actor=c.municipality, link=link)
    linked = Proposal.objects.get(pk=proposal.pk)
    assert linked.c3p_partnership == c.partnership
    link.refresh_from_db()
    assert (link.state, link.decided_by) == ("confirmed", c.municipality)
    doc = linked.document
    assert doc["japanese_city"]["name_ja"] == "サンプル市"
    assert doc["japanese_city"]["letter_of_interest"] is True
    assert doc["partner_city"]["country"] == "VN"
    assert doc["partner_city"]["letter_of_interest"] is False
    assert doc["agreement"] == {
        "status": "concluded",
        "title": "MOU on a low-carbon city",
        "concluded_on": "2022-04-01",
    }
    # the two cities' applicants are told; the history shows the proposal
    notice = Notice.objects.get(
        recipient=c.partner_user, subject="A C3P proposal names your city partnership"
    )
    assert notice.link == reverse("c3p:partnership_detail", args=[c.partnership.pk])
    assert list(c.partnership.proposals.all()) == [linked]
    actions = list(
        AuditEvent.objects.filter(action__startswith="c3p_partnership_link").values_list(
            "action", flat=True
        )
    )
    assert actions[-2:] == ["c3p_partnership_link_request", "c3p_partnership_link_confirm"]
    # unlinking keeps the cities as they were (typed from now on)
    unlinked = services.partnership_link_proposal(
        actor=c.company_user, proposal=proposal, partnership=None
    )
    assert unlinked.c3p_partnership is None
    assert unlinked.document["japanese_city"]["name_ja"] == "サンプル市"


def test_the_municipality_declines_with_a_reason_in_the_applicants_language(c) -> None:
    proposal = c3p_draft(c.company_user)
    User.objects.filter(pk=c.company_user.pk).update(language="ja")
    services.partnership_link_proposal(
        actor=c.company_user, proposal=proposal, partnership=c.partnership
    )
    link = PartnershipLink.objects.get(proposal=proposal)
    for who in (c.office, c.partner_user, c.company_user, c.outsider):
        with pytest.raises(NotAllowed):
            services.partnership_link_confirm(actor=who, link=link)
    with pytest.raises(ServiceError, match="Reason"):
        services.partnership_link_decline(actor=c.municipality, link=link, reason="  ")
    services.partnership_link_decline(
        actor=c.municipality, link=link, reason="We work with another company."
    )
    link.refresh_from_db()
    assert link.state == "declined" and link.reason == "We work with another company."
    assert Proposal.objects.get(pk=proposal.pk).c3p_partnership is None
    told = Notice.objects.get(recipient=c.company_user)
    assert "We work with another company." in told.message and "辞退" in told.message
    with pytest.raises(ServiceError, match="already answered"):
        services.partnership_link_confirm(actor=c.municipality, link=link)
    # asked again: a new request, pending again
    services.partnership_link_proposal(
        actor=c.company_user, proposal=proposal, partnership=c.partnership
    )
    link.refresh_from_db()
    assert (link.state, link.reason) == ("requested", "")


def test_a_member_of_the_municipality_leading_the_proposal_confirms_in_asking(c) -> None:
    proposal = c3p_draft(c.municipality)
    linked = services.partnership_link_proposal(
        actor=c.municipality, proposal=proposal, partnership=c.partnership
    )
    assert linked.c3p_partnership == c.partnership
    assert linked.c3p_partnership_link.state == "confirmed"


def test_a_request_cannot_be_confirmed_once_the_proposal_is_submitted(c) -> None:
    proposal = c3p_draft(c.company_user)
    services.partnership_link_proposal(
        actor=c.company_user, proposal=proposal, partnership=c.partnership
    )
    Proposal.objects.filter(pk=proposal.pk).update(state="submitted", receipt_number="C-2")
    link = PartnershipLink.objects.get(proposal=proposal)
    with pytest.raises(ServiceError, match="can no longer be edited"):
        services.partnership_link_confirm(actor=c.municipality, link=link)
    link.refresh_from_db()
    assert link.state == "requested"


def test_the_municipality_answers_on_the_partnership_page(c) -> None:
    proposal = c3p_draft(c.company_user)
    services.partnership_link_proposal(
        actor=c.company_user, proposal=proposal, partnership=c.partnership
    )
    link = PartnershipLink.objects.get(proposal=proposal)
    detail = reverse("c3p:partnership_detail", args=[c.partnership.pk])
    decide = reverse("c3p:partnership_link_decide", args=[link.pk])
    page = client_for(c.partner_user).get(detail).content.decode()
    assert proposal.title in page and decide not in page  # sees it pending, no form
    client = client_for(c.municipality)
    assert decide in client.get(detail).content.decode()
    typed = client.post(decide, {"decision": "decline", "reason": ""})
    assert typed.status_code == 200 and "Say why" in typed.content.decode()
    done = client.post(decide, {"decision": "confirm"})
    assert done.status_code == 302
    assert Proposal.objects.get(pk=proposal.pk).c3p_partnership == c.partnership
    page = (
        client_for(c.company_user)
        .get(reverse("c3p:partnership_pick", args=[proposal.pk]))
        .content.decode()
    )
    assert "Confirmed by the municipality" in page


def test_only_the_representative_picks_while_editable(c) -> None:
    proposal = c3p_draft(c.company_user)
    for user in (c.municipality, c.office, c.outsider):
        with pytest.raises(NotAllowed):
            services.partnership_link_proposal(
                actor=user, proposal=proposal, partnership=c.partnership
            )
    Proposal.objects.filter(pk=proposal.pk).update(state="submitted", receipt_number="C-1")
    proposal.refresh_from_db()
    with pytest.raises(NotAllowed):
        services.partnership_link_proposal(
            actor=c.company_user, proposal=proposal, partnership=c.partnership
        )


def test_the_editor_links_to_the_pick_page_and_the_page_links(c) -> None:
    proposal = c3p_draft(c.company_user)
    client = client_for(c.company_user)
    page = client.get(reverse("proposals:edit", args=[proposal.pk])).content.decode()
    assert reverse("c3p:partnership_pick", args=[proposal.pk]) in page
    url = reverse("c3p:partnership_pick", args=[proposal.pk])
    bad = client.post(url, {"partnership": "999999"})
    assert bad.status_code == 200 and b"Select a valid choice" in bad.content
    done = client.post(url, {"partnership": c.partnership.pk})
    assert done.status_code == 302
    assert "Awaiting the municipality" in client.get(url).content.decode()
    services.partnership_link_confirm(actor=c.municipality, link=proposal.c3p_partnership_link)
    page = client.get(reverse("proposals:edit", args=[proposal.pk])).content.decode()
    assert "come from the city partnership" in page


def test_a_refused_agreement_form_keeps_what_was_typed(c) -> None:
    client = client_for(c.municipality)
    url = reverse("c3p:partnership_agreement", args=[c.partnership.pk])
    response = client.post(
        url,
        {
            "kind": "mou",
            "title": "A title typed with care",
            "event": "signed",
            "signed_on": "2025-05-01",
            "expires_on": "2025-04-01",
        },
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert "A title typed with care" in body
    assert "not after it was signed" in body
