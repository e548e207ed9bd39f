"""The closing part's permission matrices (issue 8, "API operations … in both permission
matrices"): every role × every page and every API operation of the part, the expected answer
written out per cell, and a check that each matrix names every URL / operation of the part.

On a paid grant (with its final claim paid, an open refund order, an item of the property
ledger of JPY 800,000 and a disposal request waiting for the office): 404 for who may not see
the grant, 403 for who sees it but may not act, 302 to the login page (pages) or 401 (API)
without a session. Pages are posted empty: the permitted roles get the page back with the form's
errors (200), nothing changes. API bodies are valid: the permitted roles reach the service,
which answers for the grant's state (2xx, or 422 with why).
"""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse
from grantfactories_closing import D, completed, fixed, implementing_grant, inspected, now, reported
from test_api import client_for, post_json

from renkei.grants.models import Claim, DisposalRequest, RefundOrder
from renkei.grants.services import closing

pytestmark = pytest.mark.django_db

ROLES = [
    "anonymous",
    "applicant",  # the representative participant's applicant
    "partner",  # a partner participant's applicant
    "other_applicant",
    "office",
    "reviewer",
    "secretariat",
    "joint_committee",
]
VIEW = [302, 200, 200, 404, 200, 404, 404, 404]
REP_PAGE = [302, 200, 403, 404, 403, 404, 404, 404]
OFFICE_PAGE = [302, 403, 403, 404, 200, 404, 404, 404]

PAGES = {
    ("closing", "GET", "grant"): VIEW,
    ("closing_spending_download", "GET", "grant"): VIEW,
    ("closing_notice", "GET", "grant"): VIEW,
    ("closing_complete", "POST", "grant"): REP_PAGE,
    ("closing_document", "POST", "grant"): [302, 200, 403, 404, 200, 404, 404, 404],
    ("closing_report", "POST", "grant"): REP_PAGE,
    ("closing_spending_upload", "POST", "grant"): REP_PAGE,
    ("closing_inspection", "POST", "grant"): OFFICE_PAGE,
    ("closing_corrections_done", "POST", "grant"): OFFICE_PAGE,
    ("closing_fix", "POST", "grant"): OFFICE_PAGE,
    ("closing_claim", "POST", "grant"): REP_PAGE,
    ("closing_payment", "POST", "claim"): OFFICE_PAGE,
    ("closing_refund_order", "POST", "grant"): OFFICE_PAGE,
    ("closing_refund", "POST", "order"): OFFICE_PAGE,
    ("closing_property", "POST", "grant"): REP_PAGE,
    ("closing_disposal_request", "POST", "item"): REP_PAGE,
    ("closing_dispose", "POST", "item"): REP_PAGE,
    ("closing_disposal_decide", "POST", "request"): OFFICE_PAGE,
    ("closing_annual", "POST", "grant"): REP_PAGE,
    ("closing_corporate_change", "POST", "grant"): REP_PAGE,
    ("closing_cancel", "POST", "grant"): OFFICE_PAGE,
    ("closing_close", "POST", "grant"): OFFICE_PAGE,
}


@pytest.fixture(autouse=True)
def _no_deadlines(monkeypatch):
    monkeypatch.setattr("renkei.grants.services.schedule.refresh_deadlines", lambda grant: None)


@pytest.fixture
def paid(users, first_round, sample_document, settings):
    grant = implementing_grant(users, first_round, sample_document, settings)
    completed(grant, users, settings)
    reported(grant, users, settings)
    inspected(grant, users, settings)
    fixed(grant, users, settings)
    now(settings, "2026-03-20")
    claim = closing.claim_submit(
        actor=users["applicant"], grant=grant, kind="final", received_on=D("2026-03-20")
    )
    closing.payment_record(
        actor=users["office"], claim=claim, paid_on=D("2026-03-20"), amount_jpy=claim.amount_jpy
    )
    order = RefundOrder.objects.create(
        grant=grant,
        reason="cancellation",
        amount_jpy=1_000,
        ordered_on=D("2026-03-20"),
        ordered_by=users["office"],
    )
    item = closing.property_item_add(
        actor=users["applicant"],
        grant=grant,
        name="Chiller",
        site="",
        quantity=1,
        unit_price_jpy=800_000,
        acquired_on=D("2025-11-01"),
        operation_started_on=D("2025-12-01"),
        useful_life_years=10,
        location="",
    )
    request = closing.disposal_request_submit(
        actor=users["applicant"],
        item=item,
        kind="mortgage",
        planned_on=D("2026-05-01"),
        counterparty="Bank",
        reason="a loan",
    )
    now(settings, "2027-02-01")
    return {"grant": grant, "claim": claim, "order": order, "item": item, "request": request}


@pytest.mark.parametrize("role", ROLES)
def test_every_role_on_every_closing_page(role, users, paid) -> None:
    client = Client()
    if users[role] is not None:
        client.force_login(users[role])
    got, want = {}, {}
    for (name, method, obj), expected in PAGES.items():
        url = reverse(f"grants:{name}", args=[paid[obj].pk])
        response = client.get(url) if method == "GET" else client.post(url, {})
        label = f"{method} {name}"
        got[label], want[label] = response.status_code, expected[ROLES.index(role)]
    assert got == want
    # empty forms changed nothing
    assert paid["grant"].__class__.objects.get(pk=paid["grant"].pk).state == "paid"
    assert DisposalRequest.objects.get(pk=paid["request"].pk).state == "submitted"


def test_the_page_matrix_covers_every_closing_url() -> None:
    from renkei.grants.views_closing import urlpatterns

    assert {p.name for p in urlpatterns} == {name for name, _, _ in PAGES}


G = "/api/grants/{grant}"
VIEW_API = [401, 200, 200, 404, 200, 404, 404, 404]
REP = [401, 422, 403, 404, 403, 404, 404, 404]  # the representative: refused in this state
OFFICE = [401, 403, 403, 404, 422, 404, 404, 404]
# (method, path, object kind in the path, body) -> status per role, ROLES order
API = {
    ("GET", G + "/closing", None): VIEW_API,
    ("GET", G + "/completion-report/spending.xlsx", None): VIEW_API,
    ("GET", G + "/amount-fixing/notice.docx", None): VIEW_API,
    (
        "POST",
        G + "/completion",
        '{"completed_on": "2026-01-15", "operation_started_on": "2025-12-01", '
        '"useful_life_years": 10}',
    ): REP,
    ("POST", G + "/closing-documents", "upload"): [401, 422, 403, 404, 422, 404, 404, 404],
    (
        "POST",
        G + "/completion-report",
        '{"spending": {"2025": {"construction": 1}}, "narrative": "x", '
        '"expected_annual_reduction_tco2": "1"}',
    ): REP,
    ("POST", G + "/completion-report/spending.xlsx", "xlsx"): [
        401,
        200,
        403,
        404,
        403,
        404,
        404,
        404,
    ],
    ("POST", G + "/final-inspection", '{"inspected_on": "2026-02-20"}'): OFFICE,
    ("POST", G + "/final-inspection/corrections-done", '{"done_on": "2026-02-21"}'): OFFICE,
    ("POST", G + "/amount-fixing", '{"fixed_on": "2026-03-05"}'): OFFICE,
    ("POST", G + "/claims", '{"kind": "final", "received_on": "2026-03-20"}'): REP,
    (
        "POST",
        "/api/grants/claims/{claim}/payment",
        '{"paid_on": "2026-03-21", "amount_jpy": 1}',
    ): OFFICE,
    (
        "POST",
        G + "/refund-orders",
        '{"reason": "cancellation", "amount_jpy": 1000, "ordered_on": "2027-01-05"}',
    ): [401, 403, 403, 404, 201, 404, 404, 404],
    (
        "POST",
        "/api/grants/refund-orders/{order}/refund",
        '{"refunded_on": "2027-01-10", "refunded_jpy": 1000}',
    ): [401, 403, 403, 404, 200, 404, 404, 404],
    (
        "POST",
        G + "/property",
        '{"name": "Pump", "unit_price_jpy": 100000, "acquired_on": "2025-11-01", '
        '"useful_life_years": 8}',
    ): [401, 201, 403, 404, 403, 404, 404, 404],
    (
        "POST",
        "/api/grants/property/{item}/disposal-requests",
        '{"kind": "scrap", "planned_on": "2027-03-01", "reason": "broken"}',
    ): REP,  # one is waiting already
    (
        "POST",
        "/api/grants/disposal-requests/{request}/decision",
        '{"approve": false, "reason": "the plant still needs it"}',
    ): [401, 403, 403, 404, 200, 404, 404, 404],
    ("POST", "/api/grants/property/{item}/disposal", '{"disposed_on": "2027-01-20"}'): REP,
    (
        "POST",
        G + "/annual-reports",
        '{"period_start": "2025-12-01", "period_end": "2025-12-31", "reductions_tco2": "500", '
        '"operating_status": "running", "property_status": "managed"}',
    ): [401, 201, 403, 404, 403, 404, 404, 404],
    (
        "POST",
        G + "/corporate-changes",
        '{"kind": "address", "effective_on": "2027-01-01", "description": "moved"}',
    ): [401, 201, 403, 404, 403, 404, 404, 404],
    ("POST", G + "/close", None): OFFICE,  # its duties run to 2036
    (
        "POST",
        G + "/cancellation",
        '{"grounds": ["③"], "whole": true, "reason": "false report", "refund_jpy": 0, '
        '"decided_on": "2027-01-30"}',
    ): [401, 403, 403, 404, 201, 404, 404, 404],
}


def _upload(kind: str):
    from django.core.files.uploadedfile import SimpleUploadedFile

    if kind == "xlsx":
        from renkei.grants.workbook import budget_xlsx

        data = budget_xlsx(
            {2025: {"construction": 1, "equipment": 2, "admin": 3}},
            lang="en",
            kind="spending",
            title="t",
        )
        return {"file": SimpleUploadedFile("s.xlsx", data)}
    return {"kind": "invoice", "file": SimpleUploadedFile("i.pdf", b"%PDF-1.7 matrix")}


@pytest.mark.parametrize("role", ROLES)
def test_every_role_on_every_closing_operation(role, users, paid) -> None:
    client = client_for(users[role])
    ids = {k: v.pk for k, v in paid.items()}
    got, want = {}, {}
    for (method, path, data), expected in API.items():
        url = path.format(**ids)
        if method == "GET":
            response = client.get(url)
        elif data in ("upload", "xlsx"):
            response = client.post(url, _upload(data))
        else:
            response = post_json(
                client, url, {} if data is None else __import__("json").loads(data)
            )
        label = f"{method} {path}"
        got[label], want[label] = response.status_code, expected[ROLES.index(role)]
    assert got == want
    claim = Claim.objects.get(pk=paid["claim"].pk)
    assert claim.payment.amount_jpy == claim.amount_jpy  # paid once, not again


def test_the_api_matrix_covers_every_closing_operation() -> None:
    from renkei.grants.api.closing import router

    operations = {
        (method, "/api" + path)
        for path, view in router.path_operations.items()
        for operation in view.operations
        for method in operation.methods
    }
    named = {
        (
            m,
            p.replace("{grant}", "{grant_id}")
            .replace("{claim}", "{claim_id}")
            .replace("{order}", "{order_id}")
            .replace("{item}", "{item_id}")
            .replace("{request}", "{request_id}"),
        )
        for m, p, _ in API
    }
    assert operations == named
