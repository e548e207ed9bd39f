"""The verification panel on the project's monitoring page and the API, each walked through as
the office, the TPE and the filer (issue 9): what each sees and may do, bad input kept as typed
with what was wrong in the page's language, and the same flow over the API."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import transaction
from django.test import Client
from django.urls import reverse
from monitoringfactories_verification import NOW, assigned, project
from test_api import client_for, post_json

from renkei.monitoring.models import Finding, MonitoringPeriod

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _now(settings):
    settings.RENKEI_DEMO_NOW = NOW


def _client(user, lang: str = "en") -> Client:
    client = Client(headers={"Accept-Language": lang})
    client.force_login(user)
    client.cookies["django_language"] = lang
    return client


def _resubmit(period) -> None:
    with transaction.atomic():
        p = MonitoringPeriod.objects.select_for_update().get(pk=period.pk)
        p._submit()
        p.save(update_fields=["state"])


def _state(period) -> str:
    return MonitoringPeriod.objects.get(pk=period.pk).state


def test_the_verification_walked_through_on_the_project_page() -> None:
    plan, who, period = project()
    detail = reverse("monitoring:detail", args=[plan.pk])
    office, tpe, filer = _client(who.office), _client(who.verifier), _client(who.filer)

    page = office.get(detail).content.decode()
    assert "Assign to the TPE" in page and who.tpe.name in page  # the TPE in the choice
    assert "Start the verification" not in page
    r = office.post(
        reverse("monitoring:verification_assign", args=[period.pk]),
        {f"t{period.pk}-tpe": who.tpe.pk},
    )
    assert r.status_code == 302

    page = tpe.get(detail).content.decode()
    assert "Start the verification" in page and "Assign to the TPE" not in page
    tpe.post(reverse("monitoring:verification_start", args=[period.pk]))
    r = tpe.post(
        reverse("monitoring:verification_finding", args=[period.pk]),
        {f"f{period.pk}-kind": "car", f"f{period.pk}-text": "Readings missing 3–5 March"},
    )
    assert r.status_code == 302
    finding = Finding.objects.get(period=period)
    tpe.post(reverse("monitoring:verification_return", args=[period.pk]))
    assert _state(period) == "returned"

    page = filer.get(detail).content.decode()
    assert "Readings missing 3–5 March" in page and "Close the finding" not in page
    r = filer.post(
        reverse("monitoring:verification_answer", args=[finding.pk]),
        {f"a{finding.pk}-answer": "Filled with the methodology default"},
    )
    assert r.status_code == 302
    _resubmit(period)
    tpe.post(reverse("monitoring:verification_start", args=[period.pk]))
    page = tpe.get(detail).content.decode()
    assert "Filled with the methodology default" in page and "1 finding is not closed" in page
    tpe.post(reverse("monitoring:verification_close", args=[finding.pk]))
    r = tpe.post(
        reverse("monitoring:verification_issue", args=[period.pk]),
        {
            f"i{period.pk}-verified_tco2": "119",
            f"i{period.pk}-verified_on": "2026-06-15",
            f"i{period.pk}-statement": "Reasonable assurance",
        },
    )
    assert r.status_code == 302
    assert _state(period) == "verified"
    page = filer.get(detail).content.decode()
    assert "119" in page and "are fixed" in page
    assert reverse("monitoring:verification_answer", args=[finding.pk]) not in page


@pytest.mark.parametrize(
    ("lang", "message"),
    [
        ("en", "must be from 0 to the reductions the monitoring report computed (120 tCO2)"),
        ("ja", "モニタリングレポートで計算された排出削減量(120 tCO2)以下"),
    ],
)
def test_a_refused_verification_keeps_what_was_typed_and_says_why(lang, message) -> None:
    _plan, who, period = project()
    assigned(period, who)
    tpe = _client(who.verifier, lang)
    tpe.post(reverse("monitoring:verification_start", args=[period.pk]))
    r = tpe.post(
        reverse("monitoring:verification_issue", args=[period.pk]),
        {
            f"i{period.pk}-verified_tco2": "150",
            f"i{period.pk}-verified_on": "2026-06-15",
            f"i{period.pk}-statement": "Statement typed with care",
        },
    )
    page = r.content.decode()
    assert r.status_code == 200
    assert message in page
    assert 'value="150"' in page and "Statement typed with care" in page
    assert _state(period) == "in_verification"


def test_a_form_value_that_is_not_a_number_is_named_not_a_500() -> None:
    _plan, who, period = project()
    assigned(period, who)
    tpe = _client(who.verifier)
    tpe.post(reverse("monitoring:verification_start", args=[period.pk]))
    r = tpe.post(
        reverse("monitoring:verification_issue", args=[period.pk]),
        {
            f"i{period.pk}-verified_tco2": "12.5",
            f"i{period.pk}-verified_on": "not a date",
            f"i{period.pk}-statement": "s",
        },
    )
    page = r.content.decode()
    assert r.status_code == 200
    assert "Enter a whole number." in page and "Enter a valid date." in page


def test_the_verification_over_the_api() -> None:
    plan, who, period = project()
    office, tpe, filer = client_for(who.office), client_for(who.verifier), client_for(who.filer)
    base = f"/api/monitoring/periods/{period.pk}"
    r = post_json(office, base + "/assignment", {"tpe": who.tpe.pk})
    assert r.status_code == 201 and r.json()["tpe_name"] == who.tpe.name
    assert post_json(tpe, base + "/verification/start", {}).status_code == 200
    r = post_json(tpe, base + "/findings", {"kind": "cl", "text": "Which COP_RE?"})
    assert r.status_code == 201
    finding = r.json()["findings"][0]["id"]
    assert post_json(tpe, base + "/return", {}).json()["state"] == "returned"
    r = post_json(filer, f"/api/monitoring/findings/{finding}/answer", {"answer": "Default"})
    assert r.json()["findings"][0]["status"] == "answered"
    _resubmit(period)
    post_json(tpe, base + "/verification/start", {})
    post_json(tpe, f"/api/monitoring/findings/{finding}/close", {})
    bad = post_json(
        tpe,
        base + "/verification",
        {"verified_tco2": 121, "verified_on": "2026-06-15", "statement": "s"},
    )
    assert bad.status_code == 422 and "120 tCO2" in bad.json()["detail"]
    r = post_json(
        tpe,
        base + "/verification",
        {"verified_tco2": 120, "verified_on": "2026-06-15", "statement": "Verified"},
    )
    assert r.status_code == 201
    assert r.json()["verification"]["verified_tco2"] == 120
    rows = filer.get(f"/api/monitoring/plans/{plan.pk}/verified-reductions").json()
    assert rows == [
        {
            "period": period.pk,
            "start": "2025-04-01",
            "end": "2026-03-31",
            "version": 1,
            "verified_tco2": 120,
        }
    ]
    assert dt.date.fromisoformat(rows[0]["end"]) == period.end
