"""Basic screening: the machine's item results, the office's decisions with reasons, outcome."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from webfactories import jst

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
    proposal_services.attachment_add(
        actor=applicant,
        proposal=proposal,
        document_id="form1",
        upload=SimpleUploadedFile("1_a.pdf", b"%PDF-1.7 x"),
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
