"""Matching needs and solutions (issue 11; C3P §3.1 steps 2–4): who publishes what, bad input
named with what would be right, suggestions with their reasons, and contacts only through the
platform (notices to the other side, no e-mail address shown, limits)."""

from __future__ import annotations

import pytest
from c3pfactories_partnership import cast, person
from django.urls import reverse
from test_api import client_for

from renkei.accounts.models import Notice, Role
from renkei.c3p.models import ContactRequest, Need
from renkei.c3p.services import matching as services
from renkei.services import NotAllowed, ServiceError

pytestmark = pytest.mark.django_db


@pytest.fixture
def c(monkeypatch):
    from renkei.accounts import notices

    monkeypatch.setattr(notices.transaction, "on_commit", lambda fn, *a, **k: fn())
    return cast()


def _need(c, **kw):
    values = dict(
        sector="energy_efficiency",
        title="Efficient street lighting",
        problem="Old street lighting wastes electricity in the city centre.",
        scale="12,000 lamps",
    )
    values.update(kw)
    return services.need_publish(actor=c.partner_user, **values)


def test_partner_cities_publish_needs_and_others_solutions(c) -> None:
    need = _need(c)
    assert (need.organisation, need.state) == (c.partner, "open")
    for user in (c.company_user, c.municipality, c.office):
        with pytest.raises(NotAllowed):
            services.need_publish(actor=user, sector="waste", title="t", problem="p")
    with pytest.raises(NotAllowed):
        services.solution_publish(
            actor=c.partner_user, title="t", sectors=["waste"], technology="x"
        )
    solution = services.solution_publish(
        actor=c.company_user,
        title="LED street lighting",
        sectors=["energy_efficiency"],
        technology="LED street lighting with dimming",
        countries=["vn", "PH", "VN"],
    )
    assert solution.countries == ["VN", "PH"]


def test_bad_input_is_named_with_what_would_be_right(c) -> None:
    with pytest.raises(ServiceError, match="not a sector; choose one of: energy_efficiency"):
        _need(c, sector="nuclear")
    with pytest.raises(ServiceError, match="Priority 12 is out of range: give 1"):
        _need(c, priority=12)
    with pytest.raises(ServiceError, match="Choose at least one sector"):
        services.solution_publish(actor=c.company_user, title="t", sectors=[], technology="x")
    with pytest.raises(ServiceError, match="Vietnam is not a country code"):
        services.solution_publish(
            actor=c.company_user,
            title="t",
            sectors=["waste"],
            technology="x",
            countries=["Vietnam"],
        )
    with pytest.raises(ServiceError, match="at most 5000"):
        _need(c, problem="x" * 5001)


def test_suggestions_rank_and_explain(c) -> None:
    need = _need(c)
    city = services.solution_publish(
        actor=c.municipality,
        title="Our energy-saving street lighting programme",
        sectors=["energy_efficiency"],
        technology="Street lighting retrofit run by the city",
    )
    company = services.solution_publish(
        actor=c.company_user,
        title="Waste-to-energy",
        sectors=["waste"],
        technology="Incinerators",
        countries=["VN"],
        jcm_experience=True,
    )
    services.solution_publish(
        actor=c.company_user, title="Unrelated", sectors=["digital"], technology="Apps"
    )
    ranked = services.suggestions_for(need)
    assert [s.pk for s, _ in ranked] == [city.pk, company.pk]
    reasons = {r.code for r in ranked[0][1].reasons}
    # Sample City and the partner city have a partnership (C3P §3.1 step 3)
    assert reasons == {"same_sector", "call_sector", "partnership", "shared_words"}
    page = client_for(c.company_user).get(reverse("c3p:matching_need", args=[need.pk]))
    body = page.content.decode()
    assert "A city partnership already links the two cities" in body
    assert "C3P §3.1 step 3; BOX 8" in body


def test_contacts_go_through_the_platform_only(c) -> None:
    need = _need(c)
    contact = services.contact_request(
        actor=c.company_user, record=need, message="We make LED lamps; can we talk?"
    )
    assert (contact.sender, contact.recipient) == (c.company, c.partner)
    notice = Notice.objects.get(recipient=c.partner_user)
    assert "would like to talk" in notice.message
    assert "@" not in notice.message  # nobody's address
    assert notice.link == reverse("c3p:matching_contact", args=[contact.pk])
    with pytest.raises(ServiceError, match="already in contact"):
        services.contact_request(actor=c.company_user, record=need, message="again")
    with pytest.raises(NotAllowed):  # its own need
        services.contact_request(actor=c.partner_user, record=need, message="me")
    with pytest.raises(NotAllowed):  # not a party to the conversation
        services.contact_reply(actor=c.outsider, contact=contact, message="hi")
    with pytest.raises(ServiceError, match="at most 2000"):
        services.contact_reply(actor=c.partner_user, contact=contact, message="x" * 2001)
    services.contact_reply(actor=c.partner_user, contact=contact, message="Yes, on Monday.")
    assert Notice.objects.filter(recipient=c.company_user).count() == 1
    services.contact_reply(actor=c.company_user, contact=contact, close=True)
    contact.refresh_from_db()
    assert contact.state == "closed" and contact.messages.count() == 2
    with pytest.raises(NotAllowed):
        services.contact_reply(actor=c.company_user, contact=contact, message="late")
    page = client_for(c.partner_user).get(reverse("c3p:matching_contact", args=[contact.pk]))
    body = page.content.decode()
    assert "Yes, on Monday." in body and "@example.org" not in body


def test_open_contact_requests_are_limited(c, monkeypatch) -> None:
    monkeypatch.setattr(services, "MAX_OPEN_CONTACTS", 1)
    services.contact_request(actor=c.company_user, record=_need(c), message="one")
    with pytest.raises(ServiceError, match="1 open contact requests, the most"):
        services.contact_request(actor=c.company_user, record=_need(c, title="b"), message="2")


def test_closing_a_need_closes_its_conversations(c) -> None:
    need = _need(c)
    services.contact_request(actor=c.company_user, record=need, message="hello")
    with pytest.raises(NotAllowed):
        services.matching_record_close(actor=c.company_user, record=need)
    services.matching_record_close(actor=c.office, record=need)
    assert Need.objects.get(pk=need.pk).state == "closed"
    assert not ContactRequest.objects.filter(state="open").exists()


def test_a_refused_page_form_keeps_what_was_typed(c) -> None:
    client = client_for(c.partner_user)
    response = client.post(
        reverse("c3p:matching_need_new"),
        {"sector": "energy_efficiency", "title": "Kept title", "problem": "", "priority": "1"},
    )
    assert response.status_code == 200
    assert b"Kept title" in response.content and b"This field is required" in response.content
    response = client.post(
        reverse("c3p:matching_need_new"),
        {"sector": "energy_efficiency", "title": "Ok", "problem": "Real", "priority": "1"},
    )
    assert response.status_code == 302


def test_other_roles_have_no_part_in_matching(c) -> None:
    for user in (c.reviewer, c.secretariat, c.joint_committee, c.verifier, person(Role.REGISTRY)):
        assert client_for(user).get(reverse("c3p:matching_index")).status_code == 404
