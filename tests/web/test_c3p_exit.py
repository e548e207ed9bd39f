"""The C3P exit part's services (issue 11; guidebook §1.2, §2.3, Ref. Tables 7 and 8): the linked,
prefilled JCM Model Project proposal; exits into other schemes with their status; the refusals
(not the lead organisation, a second open draft, a scheme not in the tables without a name, a bad
link, a status that may not follow); audit and notices; the funnel's counts along the chain."""

from __future__ import annotations

import pytest
from c3pfactories_exit import exit_world, jcm_round
from webfactories import UserFactory

from renkei.accounts.models import Notice, Role
from renkei.audit.models import AuditEvent
from renkei.c3p import selectors_exit
from renkei.c3p.models import C3pExit
from renkei.c3p.services.exit import (
    DraftAlreadyOpen,
    c3p_exit_record,
    c3p_exit_start_jcm,
    c3p_exit_status_change,
)
from renkei.proposals import services as proposals
from renkei.proposals.models import Proposal
from renkei.rules.c3p.exits import exit_schemes
from renkei.services import NotAllowed, ServiceError

pytestmark = pytest.mark.django_db


@pytest.fixture
def w(settings):
    return exit_world(settings)


def _start(w, **kw):
    return c3p_exit_start_jcm(
        actor=kw.pop("actor", w.people.lead),
        project=w.project,
        round=kw.pop("round", w.round),
        title=kw.pop("title", "JCM: heat pumps for seafood processing"),
        technologies=kw.pop("technologies", ["heat_pump"]),
    )


def test_the_lead_starts_a_linked_prefilled_jcm_proposal_of_its_own_organisation(w) -> None:
    e = _start(w)
    proposal = Proposal.objects.get(pk=e.proposal_id)
    assert proposal.c3p_origin_id == w.project.pk
    assert proposal.organisation_id == w.people.lead.organisation_id
    assert proposal.call.rulebook_id == "jcm-model-project/fy2024"
    assert proposal.state == "draft" and proposal.country == "VN"
    doc = proposal.document
    assert doc["consortium"]["representative"]["name"] == w.people.lead.organisation.name
    # the consortium's foreign organisation is named in the document, never linked unasked
    assert [p["name"] for p in doc["consortium"]["partners"]] == [
        w.people.partner.organisation.name
    ]
    assert not proposal.partners.exists()
    site = doc["sites"][0]
    assert site["name"] == "Ben Tre Province"
    assert site["technologies"][0] == {"technology": "heat_pump", "annual_reduction_tco2": "12000"}
    assert "C3P" in doc["project_idea"]["summary_en"]
    fields = {p["field"] for p in e.prefilled}
    assert {"Host country", "Site", "Technology"} <= fields
    assert any(p["value"] == "12000" for p in e.prefilled)
    assert AuditEvent.objects.filter(action="c3p_exit_start_jcm").count() == 1


def test_the_prefilled_draft_opens_in_the_jcm_editor(w, client) -> None:
    e = _start(w)
    client.force_login(w.people.lead)
    page = client.get(f"/proposals/{e.proposal_id}/edit/")
    assert page.status_code == 200
    assert "Ben Tre Province" in page.content.decode()


def test_notices_go_to_the_lead_organisation_and_the_office(w, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        _start(w)
    told = set(Notice.objects.values_list("recipient", flat=True))
    assert w.people.lead.pk in told and w.people.office.pk in told
    assert w.people.outsider.pk not in told


@pytest.mark.parametrize("who", ["partner", "outsider", "office", "reviewer"])
def test_only_the_lead_organisation_starts_one(w, who) -> None:
    with pytest.raises(NotAllowed):
        _start(w, actor=getattr(w.people, who))
    assert not Proposal.objects.filter(c3p_origin=w.project).exists()


def test_a_second_start_while_a_draft_is_open_names_the_draft(w) -> None:
    first = _start(w)
    with pytest.raises(DraftAlreadyOpen) as refused:
        _start(w, title="again")
    assert refused.value.proposal.pk == first.proposal_id
    assert f"/proposals/{first.proposal_id}/" in str(refused.value)
    assert "Table 7 row 1" in str(refused.value)
    assert Proposal.objects.filter(c3p_origin=w.project).count() == 1


def test_the_database_holds_one_open_draft_per_project_and_organisation(w) -> None:
    from django.db import IntegrityError, transaction

    first = Proposal.objects.get(pk=_start(w).proposal_id)
    with pytest.raises(IntegrityError), transaction.atomic():
        Proposal.objects.create(
            call=first.call,
            round=first.round,
            organisation=first.organisation,
            title="twin",
            country="VN",
            created_by=w.people.lead,
            c3p_origin=w.project,
        )


def test_a_start_racing_past_the_check_is_refused_by_the_database_not_a_500(w, monkeypatch):
    """Two starts that both pass the open-draft check (no row lock on SQLite): the second meets
    the database's one-draft rule and is refused with a message; its draft is not kept."""
    from renkei.c3p.services import exit as svc

    _start(w)
    monkeypatch.setattr(svc, "_open_draft", lambda project, organisation: None)
    with pytest.raises(ServiceError, match="open it from the project's page"):
        _start(w, title="racing")
    assert Proposal.objects.filter(c3p_origin=w.project).count() == 1
    assert not Proposal.objects.filter(title="racing").exists()
    assert C3pExit.objects.count() == 1


def test_a_closed_round_another_programme_or_an_unknown_technology_is_refused(w) -> None:
    closed = jcm_round(code="old", deadline="2024-05-13T12:00")
    with pytest.raises(ServiceError, match=r"closed on 2024-05-13.*JCM 2\.\(11\)"):
        _start(w, round=closed)
    with pytest.raises(ServiceError, match="JCM Model Project call"):
        _start(w, round=w.proposal.round)
    with pytest.raises(ServiceError, match="not a technology of annex 3"):
        _start(w, technologies=["perpetual_motion"])
    assert not C3pExit.objects.exists()


def test_a_country_that_is_not_a_jcm_partner_is_refused_citing_x03(w) -> None:
    Proposal.objects.filter(pk=w.proposal.pk).update(country="MY")
    version = w.proposal.selection.version
    version.document = {
        **version.document,
        "partner_city": {"name": "Kuala Lumpur", "country": "MY"},
    }
    version.save()
    w.project.refresh_from_db()
    with pytest.raises(ServiceError, match=r"MY is not a JCM partner country.*X-03"):
        _start(w)


def test_an_exit_into_a_table_scheme_moves_through_its_statuses(w) -> None:
    e = c3p_exit_record(
        actor=w.people.lead,
        project=w.project,
        scheme_id="jica_partnership",
        link="https://www.jica.go.jp/english/activities/schemes/partner/partner.html",
    )
    assert e.status == "considering" and e.kind == "scheme"
    e = c3p_exit_status_change(actor=w.people.lead, exit=e, status="applied", note="filed")
    e = c3p_exit_status_change(actor=w.people.lead, exit=e, status="adopted")
    assert [c.to_status for c in e.changes.all()] == ["considering", "applied", "adopted"]
    with pytest.raises(ServiceError, match="nothing: it is decided"):
        c3p_exit_status_change(actor=w.people.lead, exit=e, status="withdrawn")
    assert AuditEvent.objects.filter(action="c3p_exit_status_change").count() == 2


def test_the_status_notice_reads_in_each_readers_language(w, django_capture_on_commit_callbacks):
    from renkei.accounts.notices import render

    e = c3p_exit_record(actor=w.people.lead, project=w.project, scheme_id="clair_lgotp")
    with django_capture_on_commit_callbacks(execute=True):
        c3p_exit_status_change(actor=w.people.lead, exit=e, status="applied")
    notice = Notice.objects.filter(recipient=w.people.office).latest("pk")
    assert "from Considering to Applied" in render(notice.msgid, notice.params, "en")
    assert "検討中 から 応募済み" in render(notice.msgid, notice.params, "ja")


def test_a_status_may_not_skip_applied(w) -> None:
    e = c3p_exit_record(actor=w.people.lead, project=w.project, scheme_id="clair_lgotp")
    with pytest.raises(ServiceError, match="may move to: Applied, Withdrawn"):
        c3p_exit_status_change(actor=w.people.lead, exit=e, status="adopted")


def test_a_scheme_the_tables_do_not_list_needs_its_name(w) -> None:
    with pytest.raises(ServiceError, match="give the name of the scheme"):
        c3p_exit_record(actor=w.people.lead, project=w.project)
    e = c3p_exit_record(
        actor=w.people.lead, project=w.project, other_name="ASEAN city fund", other_agency="ASEAN"
    )
    assert e.scheme_id == "" and e.other_name == "ASEAN city fund"


def test_an_unknown_scheme_a_bad_link_and_the_jcm_row_are_refused(w) -> None:
    with pytest.raises(ServiceError, match=r"not a scheme of C3P Ref\. Tables 7 and 8"):
        c3p_exit_record(actor=w.people.lead, project=w.project, scheme_id="moon_fund")
    with pytest.raises(ServiceError, match="not a web address"):
        c3p_exit_record(
            actor=w.people.lead, project=w.project, scheme_id="jica_biz", link="javascript:x"
        )
    with pytest.raises(ServiceError, match="started as a linked JCM"):
        c3p_exit_record(actor=w.people.lead, project=w.project, scheme_id="jcm_model_project")
    assert not C3pExit.objects.exists()


def test_an_exit_on_a_project_not_yours_is_refused(w) -> None:
    for who in (w.people.outsider, w.people.partner, w.people.office):
        with pytest.raises(NotAllowed):
            c3p_exit_record(actor=who, project=w.project, scheme_id="jica_biz")
    e = c3p_exit_record(actor=w.people.lead, project=w.project, scheme_id="jica_biz")
    colleague = UserFactory(role=Role.APPLICANT, organisation=w.people.outsider.organisation)
    with pytest.raises(NotAllowed):
        c3p_exit_status_change(actor=colleague, exit=e, status="applied")


def test_the_tables_rows_carry_their_clause_and_no_invented_requirements() -> None:
    book = exit_schemes()
    assert len([s for s in book.schemes if s.table == 7]) == 10
    assert len([s for s in book.schemes if s.table == 8]) == 7
    for s in book.schemes:
        assert s.clause.startswith(f"C3P Ref. Table {s.table} row {s.row}")
        assert (s.requirements is None) == (s.id != "jcm_model_project")
    # the table prints no reference for MOEJ's project development support, and a damaged one
    # for the MAFF forest surveys: no address is made up for them
    assert book.get("moej_project_development").url is None
    assert book.get("maff_forest_surveys").url is None


def test_the_funnel_counts_along_the_chain(w) -> None:
    empty = {s.key: s.count for s in selectors_exit.funnel({})}
    assert empty["projects"] == 1 and empty["jcm_proposals"] == 0
    e = _start(w)
    counts = {s.key: s.count for s in selectors_exit.funnel({})}
    assert counts["jcm_proposals"] == 1 and counts["submitted"] == 0
    assert {s.key: s.count for s in selectors_exit.funnel({"country": "TH"})}["projects"] == 0
    fy = {s.key: s.count for s in selectors_exit.funnel({"fiscal_year": "2025"})}
    assert fy["projects"] == 1 and fy["jcm_proposals"] == 1
    assert {s.key: s.count for s in selectors_exit.funnel({"fiscal_year": "2030"})}[
        "jcm_proposals"
    ] == 0
    rows = selectors_exit.stage_rows("jcm_proposals", {})
    assert [r.pk for r in rows] == [e.proposal_id]
    assert selectors_exit.issued_tco2({}) == 0
    assert proposals  # the proposals services are the ones that created the draft
