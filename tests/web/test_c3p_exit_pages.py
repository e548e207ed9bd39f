"""The C3P exit part's pages and API as people use them (issue 11): the lead organisation starts
the linked JCM proposal and sees what was prefilled from where; both pages show the link; bad input
comes back as typed with the clause; the office's funnel: filters, drill-down and exports."""

from __future__ import annotations

import pytest
from c3pfactories_exit import exit_world
from test_api import client_for, post_json

from renkei.c3p.models import C3pExit
from renkei.c3p.services.exit import c3p_exit_record, c3p_exit_start_jcm
from renkei.proposals.models import Proposal
from renkei.web.lists import XLSX_TYPE

pytestmark = pytest.mark.django_db


@pytest.fixture
def w(settings):
    return exit_world(settings)


def _start_url(w) -> str:
    return f"/c3p/projects/{w.project.pk}/exits/jcm/"


def test_the_lead_sees_what_will_be_prefilled_and_starts_the_linked_proposal(w) -> None:
    lead = client_for(w.people.lead)
    page = lead.get(_start_url(w)).content.decode()
    assert "What is prefilled, and from where" in page
    assert "Ben Tre Province" in page and "12000" in page
    assert w.proposal.receipt_number in page  # the source: the adopted C3P proposal
    assert "3850" in page  # the study's cost-effectiveness, shown, not copied
    response = lead.post(
        _start_url(w),
        {"round": w.round.pk, "title": "JCM: heat pumps", "technologies": ["heat_pump"]},
    )
    proposal = Proposal.objects.get(c3p_origin=w.project)
    assert response.status_code == 302 and response["Location"] == f"/proposals/{proposal.pk}/edit/"
    project_page = lead.get(f"/c3p/projects/{w.project.pk}/").content.decode()
    assert f'href="/proposals/{proposal.pk}/"' in project_page and "JCM: heat pumps" in project_page
    detail = lead.get(f"/proposals/{proposal.pk}/").content.decode()
    assert "Prepared under the C3P project" in detail
    assert f'href="/c3p/projects/{w.project.pk}/"' in detail
    assert "What was prefilled from the C3P project, and from where" in detail
    assert "Ben Tre Province" in detail
    # the office does not read a draft: the project page names it without its title
    office = client_for(w.people.office)
    seen = office.get(f"/c3p/projects/{w.project.pk}/").content.decode()
    assert "(a draft, not yet submitted)" in seen and "JCM: heat pumps" not in seen
    assert office.get(f"/proposals/{proposal.pk}/").status_code == 404
    # once submitted (state set here: the JCM submission has its own tests), the office's view
    # of the proposal says where it was prepared
    Proposal.objects.filter(pk=proposal.pk).update(state="submitted", receipt_number="T-1")
    detail = office.get(f"/proposals/{proposal.pk}/").content.decode()
    assert "Prepared under the C3P project" in detail
    assert f'href="/c3p/projects/{w.project.pk}/"' in detail


def test_with_no_jcm_round_open_the_start_page_says_so(w, settings) -> None:
    settings.RENKEI_DEMO_NOW = "2025-06-01T10:00:00+09:00"  # the fixture's round closed 05-12
    page = client_for(w.people.lead).get(_start_url(w)).content.decode()
    assert "No round of the JCM Model Project call is open" in page
    assert 'name="round"' not in page  # no form to start one


def test_a_second_start_links_the_open_draft_and_keeps_what_was_typed(w) -> None:
    first = c3p_exit_start_jcm(
        actor=w.people.lead, project=w.project, round=w.round, title="JCM: first"
    )
    response = client_for(w.people.lead).post(
        _start_url(w), {"round": w.round.pk, "title": "JCM: typed again"}
    )
    page = response.content.decode()
    assert response.status_code == 400
    assert "already has a JCM draft" in page and "Table 7 row 1" in page
    assert page.count("already has a JCM draft started") == 1  # said once, not twice
    assert f'href="/proposals/{first.proposal_id}/"' in page
    assert 'value="JCM: typed again"' in page
    assert Proposal.objects.filter(c3p_origin=w.project).count() == 1


def test_a_bad_link_comes_back_as_typed_with_the_clause(w) -> None:
    response = client_for(w.people.lead).post(
        f"/c3p/projects/{w.project.pk}/exits/new/",
        {
            "scheme_id": "",
            "other_name": "ASEAN city fund",
            "status": "considering",
            "link": "not a link",
            "note": "talked to them",
        },
    )
    page = response.content.decode()
    assert response.status_code == 400
    assert "is not a web address" in page and "Tables 7 and 8" in page
    assert 'value="ASEAN city fund"' in page and "talked to them" in page
    assert not C3pExit.objects.exists()


def test_a_scheme_not_in_the_tables_without_a_name_is_refused_on_the_page(w) -> None:
    response = client_for(w.people.lead).post(
        f"/c3p/projects/{w.project.pk}/exits/new/", {"status": "considering", "note": "kept"}
    )
    page = response.content.decode()
    assert response.status_code == 400
    assert "give the name of the scheme the tables do not list" in page and "kept" in page


def test_the_record_page_shows_tables_7_and_8_with_their_clauses_and_gaps(w) -> None:
    page = client_for(w.people.lead).get(f"/c3p/projects/{w.project.pk}/exits/new/")
    text = page.content.decode()
    assert "C3P Ref. Table 8 row 4" in text and "JICA Biz" in text
    assert "The guidebook does not set this [GAP]." in text
    assert "www.murc.jp/news/information/news 240426/" in text  # as printed, no link made up


def test_a_status_that_may_not_follow_comes_back_with_the_note(w) -> None:
    e = c3p_exit_record(actor=w.people.lead, project=w.project, scheme_id="clair_lgotp")
    response = client_for(w.people.lead).post(
        f"/c3p/exits/{e.pk}/status/", {"status": "adopted", "note": "my note"}
    )
    page = response.content.decode()
    assert response.status_code == 400
    assert "may move to: Applied, Withdrawn" in page and "my note" in page
    e.refresh_from_db()
    assert e.status == "considering"


def test_the_office_funnel_filters_drills_down_and_exports(w) -> None:
    e = c3p_exit_start_jcm(
        actor=w.people.lead, project=w.project, round=w.round, title="JCM: heat pumps"
    )
    office = client_for(w.people.office)
    page = office.get("/c3p/funnel/?stage=jcm_proposals").content.decode()
    assert 'data-stage="jcm_proposals">1<' in page and 'data-stage="projects">1<' in page
    assert "(a draft, not yet submitted)" in page and "JCM: heat pumps" not in page
    Proposal.objects.filter(pk=e.proposal_id).update(state="submitted", receipt_number="T-1")
    page = office.get("/c3p/funnel/?stage=submitted").content.decode()
    assert 'data-stage="submitted">1<' in page
    assert f'href="/proposals/{e.proposal_id}/"' in page and "JCM: heat pumps" in page
    other = office.get("/c3p/funnel/?country=TH").content.decode()
    assert 'data-stage="projects">0<' in other
    warned = office.get("/c3p/funnel/?fiscal_year=20x5", follow=True).content.decode()
    assert "is not a fiscal year" in warned
    csv = office.get("/c3p/funnel/?stage=submitted&export=csv")
    assert csv["Content-Type"] == "text/csv" and "JCM: heat pumps" in csv.content.decode("utf-8")
    xlsx = office.get("/c3p/funnel/?stage=projects&export=xlsx")
    assert xlsx["Content-Type"] == XLSX_TYPE and xlsx.content[:2] == b"PK"


def test_the_api_names_the_open_draft_and_refuses_bad_input_with_422(w) -> None:
    lead = client_for(w.people.lead)
    url = f"/api/c3p/projects/{w.project.pk}/exits"
    first = post_json(lead, url + "/jcm", {"round_id": w.round.pk, "title": "JCM: one"})
    assert first.status_code == 201
    assert first.json()["prefilled"] and first.json()["proposal_state"] == "draft"
    # the JCM side of the link, in the proposals API
    jcm = lead.get(f"/api/proposals/{first.json()['proposal_id']}").json()
    assert jcm["c3p_project_id"] == w.project.pk
    assert {p["id"]: p["c3p_project_id"] for p in lead.get("/api/proposals").json()}[
        first.json()["proposal_id"]
    ] == w.project.pk
    again = post_json(lead, url + "/jcm", {"round_id": w.round.pk, "title": "JCM: two"})
    assert again.status_code == 422
    assert again.json()["errors"] == [f"/proposals/{first.json()['proposal_id']}/"]
    unknown = post_json(lead, url + "/jcm", {"round_id": 999999, "title": "JCM: three"})
    assert unknown.status_code == 422 and "no round 999999" in unknown.json()["detail"]
    bad = post_json(lead, url, {"scheme_id": "jica_biz", "link": "ftp://x"})
    assert bad.status_code == 422 and "not a web address" in bad.json()["detail"]
    nameless = post_json(lead, url, {})
    assert nameless.status_code == 422 and "Tables 7 and 8" in nameless.json()["detail"]
    listed = lead.get(url).json()["exits"]
    assert [e["kind"] for e in listed] == ["jcm"]
    funnel = client_for(w.people.office).get("/api/c3p/funnel?stage=jcm_proposals").json()
    assert {s["key"]: s["count"] for s in funnel["stages"]}["jcm_proposals"] == 1
    assert funnel["rows"][0]["id"] == first.json()["proposal_id"]
