"""The period part's pages: the panel on the project's monitoring page, one period's page with
its calculation line by line, bad input answered with the reason beside the form as typed
(never a 500, nothing lost), in Japanese by default and in English on request."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse
from monitoringfactories import cast, operating_grant, plan_for
from monitoringfactories_period import D, assign, period_data, put

from renkei.monitoring.models import MonitoringPeriod
from renkei.monitoring.services import period as services
from renkei.mrv.types import MrvError

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(monkeypatch):
    monkeypatch.setattr(services, "_period_data", period_data())
    grant = operating_grant()
    plan = plan_for(grant)
    people = cast(grant)
    return plan, people


def client(user, lang="en") -> Client:
    c = Client(headers={"Accept-Language": lang})
    c.force_login(user)
    return c


def test_the_filer_creates_computes_and_submits_on_the_pages(world) -> None:
    plan, people = world
    c = client(people.filer)
    page = c.get(reverse("monitoring:detail", args=[plan.pk]))
    assert page.status_code == 200 and "Create the period" in page.content.decode()
    created = c.post(
        reverse("monitoring:period_create", args=[plan.pk]),
        {"start": "2025-04-01", "end": "2025-09-30"},
    )
    period = MonitoringPeriod.objects.get()
    assert created.status_code == 302 and created["Location"] == reverse(
        "monitoring:period", args=[period.pk]
    )
    c.post(reverse("monitoring:period_compute", args=[period.pk]))
    page = c.get(reverse("monitoring:period", args=[period.pk])).content.decode()
    period = MonitoringPeriod.objects.get()
    for step in period.result["steps"]:  # the calculation line by line
        assert step["key"] in page
    assert 'id="period-er">27<' in page and "→ 27 tCO2" in page
    assert reverse("monitoring:period_report_pdf", args=[period.pk]) in page
    c.post(reverse("monitoring:period_submit", args=[period.pk]))
    assert MonitoringPeriod.objects.get().state == "submitted"
    panel = c.get(reverse("monitoring:detail", args=[plan.pk])).content.decode()
    assert "Submitted for verification" in panel and "<strong>27</strong>" in panel
    assert all(step["formula"] in panel for step in period.result["steps"])  # line by line


@pytest.mark.parametrize(
    ("posted", "why"),
    [
        ({"start": "2025-13-01", "end": "2025-09-30"}, "Enter a valid date"),
        ({"start": "2025-09-30", "end": "2025-04-01"}, "The end must be on or after the start"),
        ({"start": "2024-04-01", "end": "2024-09-30"}, "outside the monitoring span"),
    ],
)
def test_bad_dates_are_answered_beside_the_form_as_typed(world, posted, why) -> None:
    plan, people = world
    response = client(people.filer).post(
        reverse("monitoring:period_create", args=[plan.pk]), posted
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert why in body and 'id="period-error-summary"' in body
    assert f'value="{posted["start"]}"' in body and f'value="{posted["end"]}"' in body
    assert not MonitoringPeriod.objects.exists()


def test_an_overlap_is_answered_in_japanese_by_default(world) -> None:
    plan, people = world
    services.period_create(
        actor=people.filer, plan=plan, start=D("2025-04-01"), end=D("2025-09-30")
    )
    response = client(people.filer, "ja").post(
        reverse("monitoring:period_create", args=[plan.pk]),
        {"start": "2025-09-01", "end": "2025-12-31"},
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert "と重なっています" in body and "新しいモニタリング期間" in body
    assert MonitoringPeriod.objects.count() == 1


def test_a_methodology_not_in_force_is_shown_on_the_period_page(world, monkeypatch) -> None:
    plan, people = world
    period = services.period_create(
        actor=people.filer, plan=plan, start=D("2025-04-01"), end=D("2025-09-30")
    )

    def not_in_force(plan, start, end):
        raise MrvError("in force from 2026-01-01", code="methodology_not_in_force")

    monkeypatch.setattr(services, "_methodology", not_in_force)
    response = client(people.filer).post(reverse("monitoring:period_compute", args=[period.pk]))
    assert response.status_code == 200
    assert "is not in force for the period 2025-04-01–2025-09-30" in response.content.decode()


def test_a_correction_without_reason_is_refused_and_with_one_opens_version_2(world) -> None:
    plan, people = world
    period = services.period_create(
        actor=people.filer, plan=plan, start=D("2025-04-01"), end=D("2025-09-30")
    )
    period = put(services.period_compute(actor=people.filer, period=period), "verified")
    c = client(people.filer)
    page = c.get(reverse("monitoring:period", args=[period.pk])).content.decode()
    assert "Start a correction" in page and "Compute again" not in page
    refused = c.post(reverse("monitoring:period_correct", args=[period.pk]), {"reason": " "})
    assert refused.status_code == 200 and "This field is required" in refused.content.decode()
    done = c.post(
        reverse("monitoring:period_correct", args=[period.pk]), {"reason": "EC_PJ in kWh"}
    )
    correction = MonitoringPeriod.objects.get(version=2)
    assert done["Location"] == reverse("monitoring:period", args=[correction.pk])
    page = c.get(done["Location"]).content.decode()
    assert "EC_PJ in kWh" in page and "Compute the reductions" in page


def test_the_verifier_sees_only_its_periods_on_the_project_page(world) -> None:
    plan, people = world
    assigned = services.period_create(
        actor=people.filer, plan=plan, start=D("2025-04-01"), end=D("2025-09-30")
    )
    assigned = put(services.period_compute(actor=people.filer, period=assigned), "submitted")
    assign(assigned, people.tpe, people.office)
    services.period_create(
        actor=people.filer, plan=plan, start=D("2025-10-01"), end=D("2026-03-31")
    )
    body = client(people.verifier).get(reverse("monitoring:detail", args=[plan.pk]))
    text = body.content.decode()
    assert "2025-04-01 – 2025-09-30" in text and "2025-10-01" not in text
    assert "Create the period" not in text


def test_the_report_downloads_in_the_readers_language(world) -> None:
    plan, people = world
    period = services.period_create(
        actor=people.filer, plan=plan, start=D("2025-04-01"), end=D("2025-09-30")
    )
    period = services.period_compute(actor=people.filer, period=period)
    xlsx = client(people.office, "ja").get(
        reverse("monitoring:period_report_xlsx", args=[period.pk])
    )
    assert xlsx.status_code == 200 and xlsx["Content-Type"].startswith(
        "application/vnd.openxmlformats"
    )
    assert "monitoring_report_" in xlsx["Content-Disposition"]
    pdf = client(people.office).get(reverse("monitoring:period_report_pdf", args=[period.pk]))
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF-")
