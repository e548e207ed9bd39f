"""Basic screening: the machine's item results, the office's decisions with reasons, outcome."""

from __future__ import annotations

import copy

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from webfactories import jst, submitted_proposal

from renkei import access
from renkei.adoption.demo import DOCUMENTS
from renkei.audit.services import audit_trail
from renkei.proposals import services as proposal_services
from renkei.reviews import services
from renkei.reviews.models import Decision, Screening
from renkei.services import NotAllowed, ServiceError

pytestmark = pytest.mark.django_db


@pytest.fixture
def submitted(users, first_round, sample_document):
    applicant = users["applicant"]
    proposal = proposal_services.proposal_create(
        actor=applicant, round=first_round, title="screen me", country="KE"
    )
    proposal_services.proposal_update_document(
        actor=applicant, proposal=proposal, document=sample_document
    )
    for doc_id, name in DOCUMENTS:  # every document of 5.(3)
        proposal_services.attachment_add(
            actor=applicant,
            proposal=proposal,
            document_id=doc_id,
            upload=SimpleUploadedFile(name, b"%PDF-1.7 x"),
        )
    proposal_services.proposal_submit(
        actor=applicant, proposal=proposal, idempotency_key="s", now=jst("2024-05-10T09:00")
    )
    proposal.refresh_from_db()
    return proposal


def test_screening_starts_from_the_rules_core_items(users, submitted) -> None:
    screening = services.screening_start(actor=users["office"], proposal=submitted)
    items = list(screening.items.all())
    assert screening.rulebook_id == "jcm-model-project/fy2024"
    assert screening.version.number == 1
    assert len(items) > 20
    assert {"pass", "needs_review"} <= {i.machine_status for i in items}
    # machine-decided items arrive decided; the rest wait for the office
    assert all(i.decision == i.machine_status for i in items if i.machine_status == "pass")
    assert all(i.decision == "" for i in items if i.machine_status == "needs_review")
    assert any("14)" in i.clause for i in items)  # item 14 of 別添2 3.(1)
    again = services.screening_start(actor=users["office"], proposal=submitted)
    assert again.pk == screening.pk and Screening.objects.count() == 1


def test_only_the_office_screens(users, submitted) -> None:
    for role in ("applicant", "reviewer", "secretariat", "joint_committee"):
        with pytest.raises(NotAllowed):
            services.screening_start(actor=users[role], proposal=submitted)


def test_a_reason_is_required_where_the_office_departs_from_the_machine(users, submitted) -> None:
    office = users["office"]
    screening = services.screening_start(actor=office, proposal=submitted)
    review_item = screening.items.filter(machine_status="needs_review").first()
    pass_item = screening.items.filter(machine_status="pass").first()
    with pytest.raises(ServiceError, match="reason"):
        services.screening_item_decide(actor=office, item=review_item, decision="pass", reason="")
    with pytest.raises(ServiceError, match="reason"):
        services.screening_item_decide(actor=office, item=pass_item, decision="fail", reason="")
    services.screening_item_decide(
        actor=office, item=pass_item, decision="fail", reason="registry shows a foreign parent"
    )
    pass_item.refresh_from_db()
    assert pass_item.overrides_machine
    trail = list(
        audit_trail(submitted)
        .filter(action="screening_item_decide")
        .values_list("from_state", "to_state")
    )
    assert trail == [("pass", "fail")]


def test_completion_needs_every_item_and_one_fail_fails(users, submitted) -> None:
    office = users["office"]
    screening = services.screening_start(actor=office, proposal=submitted)
    with pytest.raises(ServiceError, match="still need a decision"):
        services.screening_complete(actor=office, screening=screening)
    for item in screening.items.filter(decision=""):
        services.screening_item_decide(
            actor=office, item=item, decision="pass", reason="confirmed from the attachments"
        )
    done = services.screening_complete(actor=office, screening=screening)
    assert done.outcome == Decision.PASS and done.completed_at is not None
    item = screening.items.first()
    with pytest.raises(ServiceError, match="complete"):
        services.screening_item_decide(actor=office, item=item, decision="fail", reason="late")


def test_screening_pages_are_office_only(users, submitted) -> None:
    urls = [reverse("reviews:intake"), reverse("reviews:screening", args=[submitted.pk])]
    for role, expected in [
        ("anonymous", 302),
        ("applicant", 404),
        ("reviewer", 404),
        ("secretariat", 404),
        ("joint_committee", 404),
        ("office", 200),
    ]:
        client = Client()
        if users[role] is not None:
            client.force_login(users[role])
        assert [client.get(u).status_code for u in urls] == [expected, expected], role


def test_office_walks_the_screening_pages(users, submitted) -> None:
    client = Client()
    client.force_login(users["office"])
    intake = client.get(reverse("reviews:intake"), {"country": "ke"}).content.decode()
    assert submitted.receipt_number in intake
    client.post(reverse("reviews:screening", args=[submitted.pk]))
    screening = Screening.objects.get(proposal=submitted)
    for item in screening.items.filter(decision=""):
        client.post(
            reverse("reviews:decide", args=[item.pk]), {"decision": "pass", "reason": "checked"}
        )
    client.post(reverse("reviews:complete", args=[screening.pk]))
    screening.refresh_from_db()
    assert screening.outcome == "pass"
    page = client.get(reverse("reviews:screening", args=[submitted.pk])).content.decode()
    assert "checked" in page


@pytest.fixture
def failing(users, first_round, sample_document):
    """Issue 12 point 11: one document of 5.(3) attached (11 missing), pre-registered late,
    and a subsidy whose cost-effectiveness is above the limit of 別添2 3.(2)(D)."""
    doc = copy.deepcopy(sample_document)
    doc["pre_registered_on"] = "2024-05-06"  # due two weeks before the deadline: 2024-04-29
    for site in doc["sites"]:
        for line in site["technologies"]:
            line["annual_reduction_tco2"] = 1
    return submitted_proposal(
        users["applicant"],
        first_round,
        doc,
        "fails the rules",
        country="KE",
        uploads={"form1": "1_a.pdf"},
        at="2024-05-10T09:00",
    )


def test_the_rules_failures_are_screening_items_that_fail(users, failing) -> None:
    version = failing.versions.get()
    assert version.assessment["status"] == "fail"  # stored at submission
    screening = services.screening_start(actor=users["office"], proposal=failing)
    failed = {i.check_id for i in screening.items.filter(machine_status="fail")}
    assert "jcm.cost_effectiveness" in failed
    assert any(c.startswith("jcm.documents") for c in failed)
    assert any("pre_registration" in c for c in failed)
    # prefilled as the rules decided: deciding the open items "pass" still fails the screening
    for item in screening.items.filter(decision=""):
        services.screening_item_decide(
            actor=users["office"], item=item, decision="pass", reason="checked"
        )
    done = services.screening_complete(actor=users["office"], screening=screening)
    assert done.outcome == Decision.FAIL
    assert not access.can(users["office"], "assign_reviewers", failing)


def _english(user) -> Client:
    client = Client()
    client.force_login(user)
    client.cookies["django_language"] = "en"
    return client


def test_passing_a_failed_item_needs_a_recorded_reason(users, failing) -> None:
    office = users["office"]
    screening = services.screening_start(actor=office, proposal=failing)
    item = screening.items.filter(check_id="jcm.cost_effectiveness").first()
    with pytest.raises(ServiceError, match="not met"):
        services.screening_item_decide(actor=office, item=item, decision="pass", reason=" ")
    services.screening_item_decide(
        actor=office, item=item, decision="pass", reason="the limit applies from FY2025"
    )
    item.refresh_from_db()
    assert item.overrides_machine and item.decision == "pass"
    client = _english(office)
    intake = client.get(reverse("reviews:intake")).content.decode()
    assert "1 item passed against the rules" in intake
    page = client.get(reverse("reviews:screening", args=[failing.pk])).content.decode()
    assert "overridden by the office" in page and "the limit applies from FY2025" in page


def test_intake_and_screening_show_the_rules_verdict(users, failing, submitted) -> None:
    client = _english(users["office"])
    intake = client.get(reverse("reviews:intake")).content.decode()
    row = intake[intake.index(failing.receipt_number) :]
    row = row[: row.index("</tr>")]
    assert "requirements not met" in row and "Cost-effectiveness" in row
    ok = intake[intake.index(submitted.receipt_number) :]
    assert "not met" not in ok[: ok.index("</tr>")]
    page = client.get(reverse("reviews:screening", args=[failing.pk])).content.decode()
    assert "Rules assessment at submission" in page and "requirements not met" in page


def test_a_resubmitted_version_is_screened_again(users, submitted) -> None:
    office, applicant = users["office"], users["applicant"]
    first = services.screening_start(actor=office, proposal=submitted)
    for item in first.items.filter(decision=""):
        services.screening_item_decide(actor=office, item=item, decision="pass", reason="ok")
    services.screening_complete(actor=office, screening=first)
    assert access.screening_passed(submitted)
    proposal_services.proposal_open_revision(actor=office, proposal=submitted, reason="fix costs")
    submitted.refresh_from_db()
    proposal_services.proposal_submit(
        actor=applicant, proposal=submitted, idempotency_key="s2", now=jst("2024-05-11T09:00")
    )
    submitted.refresh_from_db()
    assert not access.screening_passed(submitted)  # version 2 is not screened yet
    assert services.current_screening(submitted) is None
    client = _english(office)
    page = client.get(reverse("reviews:screening", args=[submitted.pk])).content.decode()
    assert "Start basic screening" in page and "needs a basic screening of its own" in page
    client.post(reverse("reviews:screening", args=[submitted.pk]))
    second = services.current_screening(submitted)
    assert second.version.number == 2 and second.pk != first.pk
    page = client.get(reverse("reviews:screening", args=[submitted.pk])).content.decode()
    assert "Screenings of earlier versions" in page


def test_opening_a_revision_tells_the_whole_consortium(
    users, submitted, django_capture_on_commit_callbacks
) -> None:
    from renkei.proposals.models import ProposalPartner

    ProposalPartner.objects.create(
        proposal=submitted, organisation=users["partner"].organisation, added_by=users["applicant"]
    )
    with django_capture_on_commit_callbacks(execute=True):
        proposal_services.proposal_open_revision(
            actor=users["office"], proposal=submitted, reason="form 4 totals differ"
        )
    for role in ("applicant", "partner"):
        notice = users[role].notices.get()
        assert submitted.receipt_number in notice.message
        assert "form 4 totals differ" in notice.message
        assert notice.link == f"/proposals/{submitted.pk}/"
    assert not users["other_applicant"].notices.exists()
