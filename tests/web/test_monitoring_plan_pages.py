"""The plan part's pages and API answers as people use them: the plan created from the grant's
page, the methodology's parameters and provisional flag shown, the monitoring end with each
figure, bad input answered with the reason and the form as typed (never a 500), the office's
emission-factor table, and the verifier reading the plan without its forms."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse
from monitoringfactories import cast, operating_grant, plan_for
from monitoringfactories_plan import fake_mrv, in_indonesia  # noqa: F401 - a fixture
from test_api import client_for, post_json

from renkei.monitoring.models import (
    EmissionFactor,
    Meter,
    MonitoringPeriod,
    MonitoringPlan,
    VerificationAssignment,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fake_mrv")]


def english(user) -> Client:
    client = Client(headers={"Accept-Language": "en"})
    client.force_login(user)
    return client


def test_the_filer_creates_the_plan_from_the_grant_page_and_sees_it():
    grant = in_indonesia(operating_grant())
    people = cast(grant)
    client = english(people.filer)
    page = client.get(reverse("grants:detail", args=[grant.pk])).content.decode()
    assert reverse("monitoring:plan_new", args=[grant.pk]) in page
    new = client.get(reverse("monitoring:plan_new", args=[grant.pk])).content.decode()
    assert "ID_AM003 1.0" in new and "ID_AM003 2.0" not in new  # only the version in force
    response = client.post(
        reverse("monitoring:plan_new", args=[grant.pk]),
        {"methodology": "ID_AM003|1.0", "bilateral_valid_until": "2030-12-31"},
    )
    plan = MonitoringPlan.objects.get(grant=grant)
    assert response.status_code == 302 and response.url == reverse(
        "monitoring:detail", args=[plan.pk]
    )
    page = client.get(response.url).content.decode()
    assert 'id="plan-provisional"' in page  # ID_AM003 1.0 is provisional in the test catalogue
    assert "COP_RE" in page and "methodology default (test data)" in page  # a default offered
    assert "2030-12-31" in page and "Capped at the bilateral document" in page
    assert "2.(1)②; A-22" in page
    grant_page = client.get(reverse("grants:detail", args=[grant.pk])).content.decode()
    assert reverse("monitoring:detail", args=[plan.pk]) in grant_page


def test_a_bad_calibration_comes_back_with_the_reason_and_the_form_as_typed():
    grant = in_indonesia(operating_grant())
    plan = plan_for(grant)
    people = cast(grant)
    response = english(people.filer).post(
        reverse("monitoring:plan_meter", args=[plan.pk]),
        {
            "site": plan.sites.get().pk,
            "serial": "TYPED-SERIAL-77",
            "unit": "kWh",
            "calibrated_on": "2025-05-01",
            "calibration_valid_until": "2025-04-01",
        },
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "before it was made on 2025-05-01" in page
    assert 'value="TYPED-SERIAL-77"' in page
    assert not Meter.objects.filter(serial="TYPED-SERIAL-77").exists()


def test_a_unit_that_does_not_convert_is_refused_by_the_api_with_422():
    grant = in_indonesia(operating_grant())
    plan = plan_for(grant)
    people = cast(grant)
    response = post_json(
        client_for(people.filer),
        f"/api/monitoring/plans/{plan.pk}/fixed",
        {"parameter": "EF_elec", "value": "0.5", "unit": "MWh", "source": "x"},
    )
    assert response.status_code == 422
    assert "EF_elec is in tCO2/MWh" in response.json()["detail"]


def test_the_office_table_names_every_bad_cell_loads_nothing_and_keeps_the_text():
    grant = operating_grant()
    people = cast(grant)
    client = english(people.office)
    text = (
        "country,system,case,ef_tco2_per_mwh,valid_from,valid_until,source,status\n"
        "ID,Jamali,JCM Case 1,0.619,2024-04-01,2027-03-31,GEC,V\n"
        "ID,Sumatra,JCM Case 1,zero,2024-04-01,2027-03-31,GEC,V\n"
    )
    response = client.post(reverse("monitoring:plan_factors"), {"csv_text": text})
    page = response.content.decode()
    assert response.status_code == 200
    assert "row 3, ef_tco2_per_mwh" in page and "Nothing was loaded" in page
    assert "ID,Sumatra,JCM Case 1,zero" in page  # the text as typed
    assert not EmissionFactor.objects.exists()
    good = text.replace("zero", "0.458")
    assert client.post(reverse("monitoring:plan_factors"), {"csv_text": good}).status_code == 302
    listing = client.get(reverse("monitoring:plan_factors")).content.decode()
    assert "0.458" in listing and "2027-03-31" in listing
    template = client.get(reverse("monitoring:plan_factor_template"))
    assert template["Content-Type"].startswith("text/csv")
    assert b"JCM Case 2" in template.content


def test_the_assigned_verifier_reads_the_plan_without_its_forms():
    grant = in_indonesia(operating_grant())
    plan = plan_for(grant)
    people = cast(grant)
    period = MonitoringPeriod.objects.create(
        plan=plan, start="2025-04-01", end="2026-03-31", created_by=people.filer
    )
    VerificationAssignment.objects.create(period=period, tpe=people.tpe, assigned_by=people.office)
    page = english(people.verifier).get(reverse("monitoring:detail", args=[plan.pk]))
    text = page.content.decode()
    assert page.status_code == 200 and "M-1" in text and "EC_PJ" in text
    assert reverse("monitoring:plan_site", args=[plan.pk]) not in text
    assert reverse("monitoring:plan_update", args=[plan.pk]) not in text
