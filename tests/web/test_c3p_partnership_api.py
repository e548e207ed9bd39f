"""The partnership part's API beyond the matrix (issue 11): letters of interest uploaded with the
partner city's Japanese translation, listed and downloaded, under the page's type and size limits
(the same service); a proposal's request to name a partnership answered by the Japanese
municipality."""

from __future__ import annotations

import pytest
from c3pfactories_partnership import PDF, c3p_draft, cast, pdf
from django.core.files.uploadedfile import SimpleUploadedFile
from test_api import client_for, post_json, put_json

from renkei.c3p.models import LetterOfInterest
from renkei.proposals.models import Proposal

pytestmark = pytest.mark.django_db


@pytest.fixture
def c():
    return cast()


def _letter(client, c, **fields):
    data = {"side": "partner_city", "signatory": "Mayor", "dated": "2025-01-20", **fields}
    return client.post(f"/api/c3p/partnerships/{c.partnership.pk}/letters", data)


def test_letters_are_uploaded_listed_and_downloaded_through_the_api(c) -> None:
    client = client_for(c.partner_user)
    missing = _letter(client, c, file=pdf())
    assert missing.status_code == 422
    assert "Japanese translation" in missing.json()["detail"]
    wrong = _letter(client, c, file=pdf("letter.exe"), translation=pdf("ja.pdf"))
    assert wrong.status_code == 422 and "not accepted" in wrong.json()["detail"]
    other_city = _letter(client, c, side="japanese_city", file=pdf())
    assert other_city.status_code == 422 and "other city" in other_city.json()["detail"]
    assert not LetterOfInterest.objects.exists()  # nothing stored by a refusal

    made = _letter(client, c, file=pdf("loi.pdf"), translation=pdf("loi-ja.pdf"))
    assert made.status_code == 201, made.content
    body = made.json()
    assert (body["file_name"], body["translation_name"]) == ("loi.pdf", "loi-ja.pdf")
    assert len(body["sha256"]) == 64

    listed = client_for(c.municipality).get(f"/api/c3p/partnerships/{c.partnership.pk}/letters")
    assert [x["id"] for x in listed.json()] == [body["id"]]
    for which in ("letter", "translation"):
        got = client_for(c.office).get(f"/api/c3p/letters/{body['id']}/{which}")
        assert got.status_code == 200 and b"".join(got.streaming_content) == PDF
    assert client_for(c.outsider).get(f"/api/c3p/letters/{body['id']}/letter").status_code == 404


def test_a_letter_over_the_size_limit_is_refused(c, settings) -> None:
    settings.RENKEI_UPLOAD_MAX_BYTES = 100
    big = SimpleUploadedFile("big.pdf", PDF + b"0" * 100, content_type="application/pdf")
    response = _letter(client_for(c.municipality), c, side="japanese_city", file=big)
    assert response.status_code == 422, response.content
    assert not LetterOfInterest.objects.exists()


def test_the_municipality_confirms_a_request_through_the_api(c) -> None:
    proposal = c3p_draft(c.company_user)
    asked = put_json(
        client_for(c.company_user),
        f"/api/c3p/proposals/{proposal.pk}/partnership",
        {"partnership_id": c.partnership.pk},
    ).json()
    assert asked["partnership_id"] is None and asked["link"]["state"] == "requested"
    seen = client_for(c.municipality).get(f"/api/c3p/partnerships/{c.partnership.pk}").json()
    assert [x["proposal_id"] for x in seen["link_requests"]] == [proposal.pk]
    link = asked["link"]["id"]
    refused = post_json(
        client_for(c.partner_user), f"/api/c3p/partnership-links/{link}/confirm", {}
    )
    assert refused.status_code == 403
    done = post_json(client_for(c.municipality), f"/api/c3p/partnership-links/{link}/confirm", {})
    assert done.status_code == 200 and done.json()["state"] == "confirmed"
    assert Proposal.objects.get(pk=proposal.pk).c3p_partnership == c.partnership
    again = post_json(
        client_for(c.municipality), f"/api/c3p/partnership-links/{link}/decline", {"reason": "x"}
    )
    assert again.status_code == 422 and "already answered" in again.json()["detail"]
