"""The plan part's services and selectors (issue 9; JCM 2.(1)②, 2.(5)②(ウ)(エ); spec §2.3,
A-19, A-22): the plan created once the equipment operates, with a methodology version in force
on O; sites, meters and their calibration, monitoring points, fixed values; the monitoring end
with each figure; the office's emission-factor table, all or nothing."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from monitoringfactories import cast, operating_grant, plan_for
from monitoringfactories_plan import fake_mrv, in_indonesia  # noqa: F401 - a fixture

from renkei.audit.models import AuditEvent
from renkei.grants.models import Grant
from renkei.monitoring.models import EmissionFactor, FixedValue, MonitoringPlan
from renkei.monitoring.services import plan as services
from renkei.mrv.types import Quantity
from renkei.services import NotAllowed, ServiceError

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fake_mrv")]
D = dt.date.fromisoformat


@pytest.fixture
def grant():
    return in_indonesia(operating_grant())


@pytest.fixture
def people(grant):
    return cast(grant)


def create(grant, people, version="1.0", **kw):
    return services.plan_create(
        actor=people.filer,
        grant=grant,
        methodology_id="ID_AM003",
        methodology_version=version,
        **kw,
    )


# --- the plan ---------------------------------------------------------------------------------
def test_the_representative_creates_the_plan_with_a_version_in_force_on_O(grant, people):
    plan = create(grant, people, bilateral_valid_until=D("2035-12-31"))
    assert (plan.methodology_id, plan.methodology_version) == ("ID_AM003", "1.0")
    event = AuditEvent.objects.get(action="monitoring_plan_create")
    assert event.payload["provisional"] is True and event.object_id == str(plan.pk)


def test_a_version_not_in_force_on_O_is_refused_naming_the_ones_in_force(grant, people):
    with pytest.raises(ServiceError) as exc:
        create(grant, people, version="2.0")  # from 2026-01-01; O is 2025-04-01
    assert "not in force" in str(exc.value) and "ID_AM003 1.0" in str(exc.value)
    assert not MonitoringPlan.objects.exists()


def test_an_unknown_methodology_is_refused_naming_the_known_ones(grant, people):
    with pytest.raises(ServiceError, match=r"known: ID_AM003 1\.0, ID_AM003 2\.0"):
        services.plan_create(
            actor=people.filer, grant=grant, methodology_id="XX_AM9", methodology_version="1"
        )


def test_no_plan_before_operation(people):
    grant = operating_grant()
    Grant.objects.filter(pk=grant.pk).update(operation_started_on=None)
    grant = Grant.objects.get(pk=grant.pk)
    with pytest.raises(ServiceError, match="in operation"):
        create(grant, cast(grant))


def test_one_plan_per_grant(grant, people):
    create(grant, people)
    with pytest.raises(ServiceError, match="already"):
        create(grant, people)


@pytest.mark.parametrize("who", ["outsider", "verifier", "office", "reviewer"])
def test_only_the_representative_creates(grant, people, who):
    with pytest.raises(NotAllowed):
        services.plan_create(
            actor=getattr(people, who),
            grant=grant,
            methodology_id="ID_AM003",
            methodology_version="1.0",
        )


def test_update_records_each_change_with_its_reason(grant, people):
    plan = create(grant, people)
    services.plan_update(
        actor=people.office,
        plan=plan,
        bilateral_valid_until=D("2030-12-31"),
        unmeasurable_days=10,
        reason="the bilateral document as signed",
    )
    plan.refresh_from_db()
    assert plan.bilateral_valid_until == D("2030-12-31") and plan.unmeasurable_days == 10
    event = AuditEvent.objects.get(action="monitoring_plan_update")
    assert event.payload["changes"]["unmeasurable_days"] == [0, 10]
    with pytest.raises(ServiceError, match="not in force"):
        services.plan_update(actor=people.filer, plan=plan, methodology_version="2.0", reason="x")
    with pytest.raises(ServiceError, match="Nothing changes"):
        services.plan_update(actor=people.filer, plan=plan, unmeasurable_days=10, reason="x")
    with pytest.raises(ServiceError, match="whole number"):
        services.plan_update(actor=people.filer, plan=plan, unmeasurable_days=-1, reason="x")


# --- sites, meters, points, fixed values ------------------------------------------------------
@pytest.fixture
def plan(grant, people):
    plan = create(grant, people)
    site = services.site_add(actor=people.filer, plan=plan, code="A", name="Cold store A")
    meter = services.meter_add(
        actor=people.filer,
        plan=plan,
        site=site,
        serial="M-1",
        unit="kWh",
        calibrated_on=D("2025-03-01"),
        calibration_valid_until=D("2027-02-28"),
    )
    point = services.point_add(
        actor=people.filer, plan=plan, site=site, code="1", parameter="EC_PJ", meter=meter
    )
    return plan, site, meter, point


def test_calibration_order_is_checked(plan, people):
    plan, site, meter, _ = plan
    with pytest.raises(ServiceError, match="before it was made"):
        services.meter_add(
            actor=people.filer,
            plan=plan,
            site=site,
            serial="M-2",
            unit="MWh",
            calibrated_on=D("2025-03-01"),
            calibration_valid_until=D("2025-02-28"),
        )
    with pytest.raises(ServiceError, match="last calibrated on 2025-03-01"):
        services.meter_calibrate(
            actor=people.filer,
            meter=meter,
            calibrated_on=D("2025-01-01"),
            calibration_valid_until=D("2026-01-01"),
        )
    services.meter_calibrate(
        actor=people.filer,
        meter=meter,
        calibrated_on=D("2027-02-01"),
        calibration_valid_until=D("2029-01-31"),
    )
    meter.refresh_from_db()
    assert meter.calibration_valid_until == D("2029-01-31")
    assert AuditEvent.objects.filter(action="monitoring_meter_calibrate").count() == 1


def test_a_point_measures_a_monitored_parameter_with_a_compatible_meter(plan, people):
    plan, site, _, _ = plan
    with pytest.raises(ServiceError, match="does not monitor COP_RE; it monitors: EC_PJ"):
        services.point_add(actor=people.filer, plan=plan, site=site, code="2", parameter="COP_RE")
    ratio = services.meter_add(
        actor=people.filer,
        plan=plan,
        site=site,
        serial="T-1",
        unit="-",
        calibrated_on=D("2025-03-01"),
        calibration_valid_until=D("2026-03-01"),
    )
    with pytest.raises(
        ServiceError, match="reads in -, which does not convert to EC_PJ's unit MWh"
    ):
        services.point_add(
            actor=people.filer, plan=plan, site=site, code="2", parameter="EC_PJ", meter=ratio
        )


def test_fixed_values_are_parameters_fixed_ex_ante_in_a_convertible_unit(plan, people):
    plan, _, _, point = plan
    with pytest.raises(ServiceError, match="does not fix EC_PJ ex ante"):
        services.fixed_set(
            actor=people.filer, plan=plan, parameter="EC_PJ", value="1", unit="MWh", source="x"
        )
    with pytest.raises(ServiceError, match="EF_elec is in tCO2/MWh; MWh does not convert"):
        services.fixed_set(
            actor=people.filer, plan=plan, parameter="EF_elec", value="0.5", unit="MWh", source="x"
        )
    with pytest.raises(ServiceError, match="must be a number"):
        services.fixed_set(
            actor=people.filer, plan=plan, parameter="COP_RE", value="abc", unit="-", source="x"
        )
    services.fixed_set(
        actor=people.filer, plan=plan, parameter="COP_RE", value="2.1", unit="-", source="default"
    )
    services.fixed_set(
        actor=people.filer, plan=plan, parameter="COP_RE", value="2.3", unit="-", source="test"
    )
    assert FixedValue.objects.get(parameter="COP_RE").value == Decimal("2.3")
    services.fixed_set(
        actor=people.filer,
        plan=plan,
        parameter="COP_PJ",
        value="3.2",
        unit="-",
        source="spec",
        point=point,
    )
    assert AuditEvent.objects.filter(action="monitoring_fixed_set").count() == 3


def test_the_partner_and_the_verifier_cannot_edit(plan, people):
    plan, *_ = plan
    for who in (people.outsider, people.verifier, people.office):
        with pytest.raises(NotAllowed):
            services.site_add(actor=who, plan=plan, code="B", name="B")


# --- selectors --------------------------------------------------------------------------------
def test_plan_fixed_and_plan_meters_key_by_site_and_point_codes():
    grant = operating_grant()
    plan = plan_for(grant)
    project, per_point = services.plan_fixed(plan)
    assert project == {
        "COP_RE": Quantity(Decimal("2.1"), "-"),
        "EF_elec": Quantity(Decimal("0.533"), "tCO2/MWh"),
    }
    assert per_point == {("A", "1"): {"COP_PJ": Quantity(Decimal("3.2"), "-")}}
    meters = services.plan_meters(plan)
    assert meters == {("A", "1"): ("M-1", D("2025-04-01"), D("2027-04-01"))}
    assert meters["A", "1"].serial == "M-1"


def test_monitoring_end_is_O_plus_L_plus_the_gap_capped_at_BDV():
    grant = operating_grant(operation="2025-04-01", life=15)
    plan = plan_for(grant)
    end = services.monitoring_end(plan)
    assert end["life_end"] == D("2040-03-31")  # 15 years, the first day counted
    assert end["monitor_end"] == D("2040-03-31") and not end["capped"]
    assert end["gaps"]  # BDV not recorded: said so
    MonitoringPlan.objects.filter(pk=plan.pk).update(
        unmeasurable_days=30, bilateral_valid_until=D("2040-04-15")
    )
    plan.refresh_from_db()
    end = services.monitoring_end(plan)
    assert end["extended_end"] == D("2040-04-30")
    assert end["monitor_end"] == D("2040-04-15") and end["capped"]
    assert "plan.reading.bdv_cap" in end["readings"]
    assert [line["clause"] for line in end["lines"]][-1] == "2.(1)②; A-22"


def test_an_eco_lease_is_monitored_for_its_lease_term_and_a_short_one_is_flagged():
    grant = operating_grant(operation="2025-04-01", life=15)
    version = grant.selection.version
    version.document = {"kind": "eco_lease", "lease": {"lease_years": 4}}
    version.save()
    end = services.monitoring_end(plan_for(grant))
    assert end["eco_lease"]["lease_end"] == D("2029-03-31")
    assert end["monitor_end"] == D("2029-03-31")
    assert end["eco_lease"]["short"] and any("5 years" in g for g in end["gaps"])


# --- the emission-factor table ----------------------------------------------------------------
HEADER = "country,system,case,ef_tco2_per_mwh,valid_from,valid_until,source,status\n"


def test_the_office_loads_factors_all_or_nothing_each_bad_cell_named(people):
    bad = HEADER + (
        "ID,Jamali,JCM Case 1,0.619,2024-04-01,2027-03-31,GEC table,V\n"
        "Indonesia,Sumatra,JCM Case 1,abc,,2020-01-01,,Q\n"
    )
    with pytest.raises(ServiceError) as exc:
        services.factor_table_load(actor=people.office, csv_text=bad)
    lines = exc.value.errors
    assert any(line.startswith("row 3, country") for line in lines)
    assert any(line.startswith("row 3, ef_tco2_per_mwh") for line in lines)
    assert any(line.startswith("row 3, valid_from: required") for line in lines)
    assert any(line.startswith("row 3, source") for line in lines)
    assert any(line.startswith("row 3, status") for line in lines)
    assert not EmissionFactor.objects.exists()  # the good row was not loaded either
    good = HEADER + "ID,Jamali,JCM Case 1,0.619,2024-04-01,2027-03-31,GEC table,V\n"
    rows = services.factor_table_load(actor=people.office, csv_text=good)
    assert [(r.country, r.value) for r in rows] == [("ID", Decimal("0.619"))]
    overlapping = HEADER + "ID,Jamali,JCM Case 1,0.6,2026-04-01,2028-03-31,GEC table,V\n"
    with pytest.raises(ServiceError) as exc:
        services.factor_table_load(actor=people.office, csv_text=overlapping)
    assert "overlaps" in exc.value.errors[0]
    with pytest.raises(NotAllowed):
        services.factor_table_load(actor=people.filer, csv_text=good)


def test_the_reference_rows_are_a_template_without_validity_that_does_not_load(people):
    template = services.reference_template()
    assert template.startswith(HEADER)
    assert 'ID,"Jamali, 3 Nusa, Karimun Jawa",JCM Case 2 (grid + isolated/captive),0.533,,,' in (
        template
    )
    with pytest.raises(ServiceError) as exc:
        services.factor_table_load(actor=people.office, csv_text=template)
    assert any("valid_from: required" in line for line in exc.value.errors)
    assert not EmissionFactor.objects.exists()


def test_a_methodology_of_another_country_is_refused(people):
    grant = operating_grant()  # hosted in Kenya
    with pytest.raises(ServiceError, match="ID_AM003 is a methodology of ID; the project is in KE"):
        create(grant, cast(grant))


def test_only_the_representative_changes_the_methodology_version(grant, people):
    plan = create(grant, people)
    with pytest.raises(NotAllowed, match="change the methodology version"):
        services.plan_update(actor=people.office, plan=plan, methodology_version="2.0", reason="x")


def test_a_factor_needs_its_whole_validity_and_a_positive_value(people):
    table = HEADER + "ID,Jamali,JCM Case 1,0,2024-04-01,,GEC,V\n"
    with pytest.raises(ServiceError) as exc:
        services.factor_table_load(actor=people.office, csv_text=table)
    assert any(line.startswith("row 2, ef_tco2_per_mwh: a positive") for line in exc.value.errors)
    assert any(line.startswith("row 2, valid_until: required") for line in exc.value.errors)


def test_an_eco_lease_end_date_replaces_E_and_a_missing_term_is_named_as_a_gap():
    grant = operating_grant(operation="2025-04-01", life=15)
    version = grant.selection.version
    version.document = {"kind": "eco_lease", "lease": {"lease_years": 7, "ends_on": "2032-06-30"}}
    version.save()
    plan = plan_for(grant)
    end = services.monitoring_end(plan)
    assert end["monitor_end"] == D("2032-06-30") and not end["eco_lease"]["short"]
    version.document = {"kind": "eco_lease"}
    version.save()
    plan = MonitoringPlan.objects.get(pk=plan.pk)
    end = services.monitoring_end(plan)
    assert end["monitor_end"] == D("2040-03-31")  # E kept
    assert any("without its lease term" in g for g in end["gaps"])
