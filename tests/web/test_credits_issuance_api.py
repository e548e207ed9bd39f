"""The issuance part in the REST API (issue 10): the filer drafts and submits, the Joint
Committee issues per period; bad bodies are refused with what was wrong (422), never a 500."""

from __future__ import annotations

import pytest
from creditsfactories_issuance import NOW, issuance_project
from test_api import client_for, post_json

from renkei.credits.models import Issuance

pytestmark = pytest.mark.django_db


@pytest.fixture
def x(settings):
    settings.RENKEI_DEMO_NOW = NOW
    return issuance_project()


def _submitted(x) -> int:
    filer = client_for(x["cast"].filer)
    made = post_json(
        filer,
        f"/api/credits/projects/{x['project'].pk}/issuance-requests",
        {"periods": [p.pk for p in x["periods"]]},
    )
    assert made.status_code == 201, made.json()
    pk = made.json()["id"]
    assert post_json(filer, f"/api/credits/issuance-requests/{pk}/submit", {}).status_code == 200
    return pk


def test_the_joint_committee_issues_per_period_through_the_api(x) -> None:
    pk = _submitted(x)
    p1, p2 = x["periods"]
    got = post_json(
        client_for(x["cast"].jc),
        f"/api/credits/issuance-requests/{pk}/approve",
        {"issued": [{"period": p1.pk, "issued_tco2": 80}, {"period": p2.pk, "issued_tco2": 60}]},
    )
    assert got.status_code == 200, got.json()
    body = got.json()
    assert body["state"] == "approved" and body["issuance"]["issued_tco2"] == 140
    assert [p["issued_tco2"] for p in body["periods"]] == [80, 60]
    assert body["issuance"]["vintage_start"] == "2025-04-01"


@pytest.mark.parametrize(
    "issued, says",
    [
        ([{"period": 0, "issued_tco2": 1}], "period"),
        ([{"period": 1, "issued_tco2": 1.5}], "issued_tco2"),
        ([{"period": 1, "issued_tco2": -1}], "issued_tco2"),
        ([{"period": 1, "issued_tco2": "10"}], "issued_tco2"),
    ],
)
def test_a_malformed_amount_is_refused(x, issued, says) -> None:
    pk = _submitted(x)
    got = post_json(
        client_for(x["cast"].jc), f"/api/credits/issuance-requests/{pk}/approve", {"issued": issued}
    )
    assert got.status_code == 422 and says in str(got.json())
    assert not Issuance.objects.exists()


def test_a_period_given_twice_or_above_verified_is_refused(x) -> None:
    pk = _submitted(x)
    p1 = x["periods"][0]
    jc = client_for(x["cast"].jc)
    url = f"/api/credits/issuance-requests/{pk}/approve"
    twice = [{"period": p1.pk, "issued_tco2": 1}, {"period": p1.pk, "issued_tco2": 2}]
    got = post_json(jc, url, {"issued": twice})
    assert got.status_code == 422 and "twice" in got.json()["detail"]
    got = post_json(jc, url, {"issued": [{"period": p1.pk, "issued_tco2": 101}]})
    assert got.status_code == 422 and "100 tCO2" in got.json()["detail"]
    assert not Issuance.objects.exists()


def test_a_period_of_another_plan_is_refused_naming_it(x) -> None:
    got = post_json(
        client_for(x["cast"].filer),
        f"/api/credits/projects/{x['project'].pk}/issuance-requests",
        {"periods": [999999]},
    )
    assert got.status_code == 422 and "999999" in got.json()["detail"]
    got = post_json(
        client_for(x["cast"].filer),
        f"/api/credits/projects/{x['project'].pk}/issuance-requests",
        {"periods": []},
    )
    assert got.status_code == 422
