"""The closing part in the browser's pages and through the API: the walk from completion to
payment, forms that keep what was typed when refused (with the reason and the clause), the
spending workbook down and up, the fixed amount line by line and its notice, the panel on the
grant's page, and the same walk through the API."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from grantfactories_closing import (
    completed,
    fixed,
    implementing_grant,
    inspected,
    now,
    reported,
    with_evidence,
)
from test_api import body, client_for, error, post_json

from renkei.grants.models import Claim, CompletionReport, Grant

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _no_deadlines(monkeypatch):
    monkeypatch.setattr("renkei.grants.services.schedule.refresh_deadlines", lambda grant: None)


@pytest.fixture
def grant(users, first_round, sample_document, settings):
    return implementing_grant(users, first_round, sample_document, settings)


def _client(user) -> Client:
    client = Client(headers={"Accept-Language": "en"})
    client.force_login(user)
    return client


def _url(name, pk):
    return reverse(f"grants:{name}", args=[pk])


def test_a_refused_completion_keeps_what_was_typed(grant, users, settings) -> None:
    now(settings, "2026-03-05")
    rep = _client(users["applicant"])
    response = rep.post(
        _url("closing_complete", grant.pk),
        {
            "completed_on": "2026-03-01",
            "operation_started_on": "2026-01-10",
            "useful_life_years": "12",
        },
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "4.(10)" in html and "suspend or abolish" in html
    assert 'value="2026-03-01"' in html and 'value="2026-01-10"' in html and 'value="12"' in html
    assert Grant.objects.get(pk=grant.pk).state == "implementing"
    # a value of the wrong shape: the form says which field, nothing lost
    response = rep.post(
        _url("closing_complete", grant.pk),
        {
            "completed_on": "yesterday",
            "operation_started_on": "2026-01-10",
            "useful_life_years": "x",
        },
    )
    assert response.status_code == 200
    assert 'value="yesterday"' in response.content.decode()


def test_the_walk_to_payment_in_the_pages(grant, users, settings) -> None:
    rep, office = _client(users["applicant"]), _client(users["office"])
    now(settings, "2026-01-15")
    response = rep.post(
        _url("closing_complete", grant.pk),
        {
            "completed_on": "2026-01-15",
            "operation_started_on": "2025-12-01",
            "useful_life_years": 10,
        },
    )
    assert response.status_code == 302
    for kind in ("invoice", "receipt"):
        response = rep.post(
            _url("closing_document", grant.pk),
            {"kind": kind, "file": SimpleUploadedFile(f"{kind}.pdf", b"%PDF-1.7 " + kind.encode())},
        )
        assert response.status_code == 302
    # the spending workbook down and up: the form is filled from it, not submitted
    now(settings, "2026-02-01")
    xlsx = rep.get(_url("closing_spending_download", grant.pk))
    assert xlsx.status_code == 200 and xlsx.content[:2] == b"PK"
    from renkei.grants.workbook import budget_xlsx

    data = budget_xlsx(
        {
            2024: {"construction": 40_000_000, "equipment": 60_000_000, "admin": 2_000_000},
            2025: {"construction": 20_000_000, "equipment": 70_000_000, "admin": 3_000_000},
        },
        lang="en",
        kind="spending",
        title="t",
    )
    response = rep.post(
        _url("closing_spending_upload", grant.pk), {"file": SimpleUploadedFile("s.xlsx", data)}
    )
    html = response.content.decode()
    assert response.status_code == 200 and 'value="70000000"' in html
    assert not CompletionReport.objects.exists()
    # a faulty workbook is named cell by cell
    response = rep.post(
        _url("closing_spending_upload", grant.pk),
        {"file": SimpleUploadedFile("s.xlsx", b"not a workbook")},
    )
    assert response.status_code == 200 and "xlsx" in response.content.decode()
    form = {
        f"s_{fy}_{cat}": v
        for fy, row in {
            "2024": {"construction": 40_000_000, "equipment": 60_000_000, "admin": 2_000_000},
            "2025": {"construction": 20_000_000, "equipment": 70_000_000, "admin": 3_000_000},
        }.items()
        for cat, v in row.items()
    }
    form.update(
        narrative="",
        expected_annual_reduction_tco2="1200",
        ex0_description="Spare parts",
        ex0_amount_jpy="500000",
        ex0_kind="ineligible",
        ex0_reason="",
    )
    response = rep.post(_url("closing_report", grant.pk), form)  # narrative and reason missing
    assert response.status_code == 200
    html = response.content.decode()
    assert 'value="Spare parts"' in html and 'value="70000000"' in html
    form.update(narrative="Installed and paid.", ex0_reason="spare parts (2.(7)⑤)")
    response = rep.post(_url("closing_report", grant.pk), form)
    assert response.status_code == 200  # the excluded line has no category yet
    assert "category" in response.content.decode()
    form["ex0_category"] = "equipment"
    response = rep.post(_url("closing_report", grant.pk), form)
    assert response.status_code == 302, response.content.decode()[:2000]
    report = CompletionReport.objects.get()
    assert report.spending["2025"]["equipment"] == 70_000_000
    assert report.excluded[0]["category"] == "equipment"
    # the office: an inspection without a site visit and without its reason is refused, typed
    now(settings, "2026-02-20")
    response = office.post(
        _url("closing_inspection", grant.pk),
        {"inspected_on": "2026-02-20", "findings": "All as reported.", "no_site_reason": ""},
    )
    html = response.content.decode()
    assert response.status_code == 200 and "A-10" in html and "All as reported." in html
    response = office.post(
        _url("closing_inspection", grant.pk),
        {"inspected_on": "2026-02-20", "on_site": "on", "representative_attended": "on"},
    )
    assert response.status_code == 302
    now(settings, "2026-03-05")
    assert office.post(_url("closing_fix", grant.pk), {"fixed_on": "2026-03-05"}).status_code == 302
    page = rep.get(_url("closing", grant.pk)).content.decode()
    assert "Subsidy rate (decided)" in page and "97,250,000" in page
    assert "[Reading]" in page  # the readings the computation rests on
    notice = rep.get(_url("closing_notice", grant.pk))
    assert notice.status_code == 200 and notice.content[:2] == b"PK"
    from docx import Document

    text = "\n".join(p.text for p in Document(io.BytesIO(notice.content)).paragraphs)
    assert "交付額確定通知書" in text and "97,250,000" in text
    now(settings, "2026-03-20")
    response = rep.post(
        _url("closing_claim", grant.pk), {"kind": "final", "received_on": "2026-03-20"}
    )
    assert response.status_code == 302
    claim = Claim.objects.get()
    response = office.post(
        _url("closing_payment", claim.pk), {"paid_on": "2026-03-20", "amount_jpy": "1"}
    )
    assert response.status_code == 302  # a part payment is possible, never above the claim
    response = office.post(
        _url("closing_payment", claim.pk), {"paid_on": "2026-03-20", "amount_jpy": "5"}
    )
    assert response.status_code == 200 and "already paid" in response.content.decode()
    assert Grant.objects.get(pk=grant.pk).state == "paid"
    # the panel on the grant's page
    detail = rep.get(reverse("grants:detail", args=[grant.pk])).content.decode()
    assert _url("closing", grant.pk) in detail and "97,250,000" in detail


def test_the_closing_page_in_japanese(grant, users, settings) -> None:
    completed(grant, users, settings)
    client = Client(headers={"Accept-Language": "ja"})
    client.force_login(users["applicant"])
    html = client.get(_url("closing", grant.pk)).content.decode()
    assert "完了実績報告書" in html
    assert "Completion report" not in html


def test_the_walk_through_the_api(grant, users, settings) -> None:
    rep, office = client_for(users["applicant"]), client_for(users["office"])
    now(settings, "2026-01-15")
    g = f"/api/grants/{grant.pk}"
    error(
        post_json(
            rep,
            g + "/completion",
            {
                "completed_on": "2026-03-01",
                "operation_started_on": "2025-12-01",
                "useful_life_years": 10,
            },
        ),
        422,
    )
    response = post_json(
        rep,
        g + "/completion",
        {
            "completed_on": "2026-01-15",
            "operation_started_on": "2025-12-01",
            "useful_life_years": 10,
        },
    )
    assert response.status_code == 200 and body(response)["state"] == "completed"
    for kind in ("invoice", "receipt"):
        response = rep.post(
            g + "/closing-documents",
            {"kind": kind, "file": SimpleUploadedFile(f"{kind}.pdf", b"%PDF-1.7 " + kind.encode())},
        )
        assert response.status_code == 201 and len(body(response)["sha256"]) == 64
    now(settings, "2026-03-12")  # after the due date (C+30 = 2026-02-14): accepted, flagged
    response = post_json(
        rep,
        g + "/completion-report",
        {
            "spending": {
                "2024": {"construction": 40_000_000, "equipment": 60_000_000},
                "2025": {"construction": 20_000_000, "equipment": 70_000_000},
            },
            "excluded": [
                {
                    "description": "Spare parts",
                    "category": "equipment",
                    "amount_jpy": 500_000,
                    "reason": "spare parts",
                }
            ],
            "narrative": "Installed and paid.",
            "expected_annual_reduction_tco2": "1200.5",
        },
    )
    assert response.status_code == 201, response.content
    report = body(response)["completion_report"]
    assert report["late"] is True and report["due_on"] == "2026-02-14"
    assert report["expected_annual_reduction_tco2"] == "1200.500"
    now(settings, "2026-03-13")
    response = post_json(
        office,
        g + "/final-inspection",
        {"inspected_on": "2026-03-13", "on_site": False, "no_site_reason": "documents suffice"},
    )
    assert response.status_code == 201
    response = post_json(office, g + "/amount-fixing", {"fixed_on": "2026-03-13"})
    fixing = body(response)["amount_fixing"]
    assert fixing["amount_jpy"] == 94_750_000  # (60M + 130M − 0.5M excluded) × 0.5
    assert fixing["lines"][-1]["clause"]
    response = post_json(office, g + "/claims", {"kind": "final", "received_on": "2026-03-13"})
    error(response, 403)  # the representative claims
    response = post_json(rep, g + "/claims", {"kind": "final", "received_on": "2026-03-13"})
    claim = body(response)
    assert response.status_code == 201 and claim["due_on"] == "2026-04-30"
    response = post_json(
        office,
        f"/api/grants/claims/{claim['id']}/payment",
        {"paid_on": "2026-03-13", "amount_jpy": claim["amount_jpy"] + 1},
    )
    assert "at most" in error(response, 422)["detail"]
    response = post_json(
        office,
        f"/api/grants/claims/{claim['id']}/payment",
        {"paid_on": "2026-03-13", "amount_jpy": claim["amount_jpy"]},
    )
    assert response.status_code == 201 and body(response)["paid_jpy"] == claim["amount_jpy"]
    response = post_json(
        office,
        f"/api/grants/claims/{claim['id']}/payment",
        {"paid_on": "2026-03-13", "amount_jpy": 1},
    )
    assert "already paid" in error(response, 422)["detail"]
    closing = body(rep.get(g + "/closing"))
    assert closing["state"] == "paid"
    assert closing["annual_periods"][0] == {
        "period_start": "2025-12-01",
        "period_end": "2025-12-31",
        "due": None,
        "expected_tco2": "101.960",
        "reported": False,
    }
    assert set(closing["readings"]) >= {"closing.reading.advance_per_fiscal_year"}


def test_bad_api_input_is_refused_with_where(grant, users, settings) -> None:
    rep = client_for(users["applicant"])
    completed(grant, users, settings)
    with_evidence(grant, users)
    response = post_json(
        rep,
        f"/api/grants/{grant.pk}/completion-report",
        {"spending": {"2025": {"construction": 1.5}}, "narrative": "x"},
    )
    data = error(response, 422)
    assert any("spending" in e for e in data["errors"])
    response = post_json(
        rep,
        f"/api/grants/{grant.pk}/completion-report",
        {
            "spending": {"2025": {"construction": -1, "gifts": 3}},
            "narrative": "x",
            "expected_annual_reduction_tco2": "1",
        },
    )
    data = error(response, 422)
    assert "gifts" in " ".join(data["errors"]) and "construction" in " ".join(data["errors"])
    assert not CompletionReport.objects.exists()


def test_inspected_then_fixed_pages_for_the_partner_are_read_only(grant, users, settings) -> None:
    completed(grant, users, settings)
    reported(grant, users, settings)
    inspected(grant, users, settings)
    fixed(grant, users, settings)
    html = _client(users["partner"]).get(_url("closing", grant.pk)).content.decode()
    assert "97,250,000" in html and "2026-03-05" in html  # the fixed amount and its date
    assert _url("closing_claim", grant.pk) not in html  # no claim form for a partner
    assert _url("closing_notice", grant.pk) in html


def test_the_cancellation_form_shows_the_proviso_and_keeps_what_was_typed(
    grant, users, settings
) -> None:
    office = _client(users["office"])
    now(settings, "2025-09-01")
    page = office.get(_url("closing", grant.pk)).content.decode()
    assert "already elapsed" in page and "A-32" in page  # ④'s proviso and the reading
    response = office.post(
        _url("closing_cancel", grant.pk),
        {
            "grounds": ["④"],
            "whole": "0",
            "reason": "One site flooded; the elapsed part stays.",
            "refund_jpy": "5",  # nothing was paid yet
            "decided_on": "2025-09-01",
        },
    )
    html = response.content.decode()
    assert response.status_code == 200 and "more than was paid" in html
    assert "One site flooded; the elapsed part stays." in html
    response = office.post(
        _url("closing_cancel", grant.pk),
        {
            "grounds": ["④"],
            "whole": "0",
            "reason": "One site flooded; the elapsed part stays.",
            "refund_jpy": "0",
            "decided_on": "2025-09-01",
        },
    )
    assert response.status_code == 302
    assert Grant.objects.get(pk=grant.pk).state == "implementing"  # in part: it runs on
    assert "One site flooded" in office.get(_url("closing", grant.pk)).content.decode()


def test_the_property_ledger_and_a_disposal_in_the_pages(grant, users, settings) -> None:
    rep, office = _client(users["applicant"]), _client(users["office"])
    completed(grant, users, settings)
    response = rep.post(
        _url("closing_property", grant.pk),
        {
            "name": "Chiller",
            "quantity": "1",
            "unit_price_jpy": "800000",
            "acquired_on": "2025-11-01",
            "operation_started_on": "2025-12-01",
            "useful_life_years": "10",
        },
    )
    assert response.status_code == 302
    page = rep.get(_url("closing", grant.pk)).content.decode()
    assert "2035-11-30" in page and "approval needed to dispose" in page
    item = grant.property_items.get()
    response = rep.post(_url("closing_dispose", item.pk), {"disposed_on": "2026-01-15"})
    html = response.content.decode()
    assert response.status_code == 200 and "4.(8)" in html and "prior approval" in html
    response = rep.post(
        _url("closing_disposal_request", item.pk),
        {"kind": "mortgage", "planned_on": "2026-02-01", "counterparty": "Bank", "reason": "loan"},
    )
    assert response.status_code == 302
    request = item.disposals.get()
    response = office.post(_url("closing_disposal_decide", request.pk), {"approve": "0"})
    assert response.status_code == 200  # a refusal needs its reason
    response = office.post(
        _url("closing_disposal_decide", request.pk), {"approve": "1", "reason": ""}
    )
    assert response.status_code == 302
    now(settings, "2026-02-01")
    response = rep.post(_url("closing_dispose", item.pk), {"disposed_on": "2026-02-01"})
    assert response.status_code == 302
    assert "disposed of on" in rep.get(_url("closing", grant.pk)).content.decode()
