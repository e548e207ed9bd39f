"""The monitoring plan in the REST API (see ``renkei.monitoring.services.plan``): the plan with
its methodology, parameters, monitoring end, sites, meters, points and fixed values; creating
and changing it; the office's emission-factor table. The same services and access policy as
the pages; a plan or grant the caller cannot see is 404."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from django.http import Http404, HttpResponse
from ninja import Router, Schema, Status
from pydantic import Field, StringConstraints

from renkei import access
from renkei.apikit import ERROR_TEXT, ErrorOut, jst, op, path_id, plain, text
from renkei.monitoring.models import EmissionFactor, Meter, MonitoringPlan
from renkei.monitoring.policy import plans_for
from renkei.monitoring.services import plan as services
from renkei.services import ServiceError

router = Router(tags=["monitoring"])

PlanId = path_id("Monitoring plan id.")
GrantId = path_id("Grant id.")
MeterId = path_id("Meter id.")
Code = text(40)
Name = text(200)
Unit = text(20)
Why = text(2000)
Source = text(2000)
Decimal = Annotated[str, StringConstraints(pattern=r"^\d{1,12}(\.\d{1,8})?$")]
ERRORS = (400, 401, 403, 404, 422)


# --- answers ---------------------------------------------------------------------------------
class ParameterOut(Schema):
    name: str = Field(description="As the methodology writes it, without indices.")
    kind: str = Field(description="fixed (ex ante) or monitored.")
    per: str = Field(description="point or project.")
    unit: str = Field(description='Unit, e.g. "MWh", "tCO2/MWh", "-".')
    description: str = Field(description="What it is.")
    default: str | None = Field(description="Default of a fixed parameter (decimal string).")
    source: str = Field(description="Source of the default or value.")
    option: str | None = Field(description="Monitoring option A/B/C of a monitored parameter.")
    frequency: str = Field(description="Monitoring frequency.")


class MethodologyOut(Schema):
    id: str = Field(description='e.g. "ID_AM003".')
    version: str = Field(description='e.g. "1.0".')
    title: str = Field(description="Title.")
    country: str = Field(description="Partner country (ISO 3166-1 alpha-2).")
    status: str = Field(description="approved or proposed.")
    provisional: bool = Field(description="A formula's source is background knowledge (K).")
    source: str = Field(description="URL of the methodology.")
    source_status: str = Field(description="The reference list's status tags.")
    valid_from: dt.date | None = Field(description="In force from.")
    valid_until: dt.date | None = Field(description="In force until.")
    eligibility: list[str] = Field(description="Eligibility criteria.")
    parameters: list[ParameterOut] = Field(description="Parameters.")


class LineOut(Schema):
    label: str = Field(description="The figure.")
    value: str = Field(description="Its value.")
    clause: str = Field(description="The clause or spec point.")


class EndOut(Schema):
    operation_start: dt.date | None = Field(description="O (spec A-19).")
    useful_life_years: int | None = Field(description="L.")
    life_end: dt.date | None = Field(description="E = O + L years (last day).")
    unmeasurable_days: int = Field(description="Days not measurable (grantee's fault).")
    extended_end: dt.date | None = Field(description="E (or the lease end) + those days.")
    bilateral_valid_until: dt.date | None = Field(description="BDV.")
    monitor_end: dt.date | None = Field(description="min(E + days, BDV) (A-22).")
    capped: bool = Field(description="BDV came first.")
    eco_lease: dict[str, Any] | None = Field(description="The lease end and whether < 5 years.")
    readings: dict[str, str] = Field(description="The readings applied (id → text).")
    gaps: list[str] = Field(description="What is missing or flagged.")
    lines: list[LineOut] = Field(description="Each figure with its clause.")


class SiteOut(Schema):
    id: int = Field(description="Site id.")
    code: str = Field(description="Site code.")
    name: str = Field(description="Site name.")


class MeterOut(Schema):
    id: int = Field(description="Meter id.")
    site: str = Field(description="Site code.")
    serial: str = Field(description="Serial number.")
    unit: str = Field(description="Unit it reads in.")
    calibrated_on: dt.date | None = Field(description="Last calibration.")
    calibration_valid_until: dt.date | None = Field(description="Calibration valid until.")


class MonitoringPointOut(Schema):
    id: int = Field(description="Point id.")
    site: str = Field(description="Site code.")
    code: str = Field(description="Point code.")
    parameter: str = Field(description="The monitored parameter.")
    meter: str | None = Field(description="Meter serial number.")


class FixedOut(Schema):
    parameter: str = Field(description="The parameter fixed ex ante.")
    site: str | None = Field(description="Site code of its point (None: the project).")
    point: str | None = Field(description="Point code (None: the project).")
    value: str = Field(description="Decimal string.")
    unit: str = Field(description="Unit.")
    source: str = Field(description="Source.")


class PlanOut(Schema):
    id: int = Field(description="Monitoring plan id.")
    grant_id: int = Field(description="Grant id.")
    methodology_id: str = Field(description="Methodology id.")
    methodology_version: str = Field(description="Methodology version.")
    methodology: MethodologyOut | None = Field(description="The methodology (MRV core).")
    end: EndOut = Field(description="The monitoring period (2.(1)②).")
    sites: list[SiteOut] = Field(description="Sites.")
    meters: list[MeterOut] = Field(description="Meters with their calibration.")
    points: list[MonitoringPointOut] = Field(description="Monitoring points.")
    fixed: list[FixedOut] = Field(description="Parameters fixed ex ante.")
    updated_at: dt.datetime = Field(description="Last change (+09:00).")


class FactorOut(Schema):
    id: int = Field(description="Factor id.")
    country: str = Field(description="ISO 3166-1 alpha-2.")
    system: str = Field(description="Grid or system.")
    case: str = Field(description='e.g. "JCM Case 1", "captive".')
    ef_tco2_per_mwh: str = Field(description="tCO2/MWh, decimal string.")
    valid_from: dt.date = Field(description="Valid from (the office's).")
    valid_until: dt.date | None = Field(description="Valid until (None: open).")
    source: str = Field(description="Source.")
    status: str = Field(description="V, D or K (K: provisional).")
    loaded_at: dt.datetime = Field(description="When (+09:00).")


def _methodology_out(plan: MonitoringPlan) -> MethodologyOut | None:
    try:
        m = services.plan_methodology(plan)
    except (ServiceError, ImportError):
        return None
    return MethodologyOut(
        id=m.id,
        version=m.version,
        title=m.title,
        country=m.country,
        status=m.status,
        provisional=m.provisional,
        source=m.source,
        source_status=m.source_status,
        valid_from=m.valid_from,
        valid_until=m.valid_until,
        eligibility=list(m.eligibility),
        parameters=[
            ParameterOut(
                name=p.name,
                kind=p.kind,
                per=p.per,
                unit=p.unit,
                description=p.description,
                default=plain(p.default),
                source=p.source,
                option=p.option,
                frequency=p.frequency,
            )
            for p in m.parameters
        ],
    )


def plan_out(plan: MonitoringPlan) -> PlanOut:
    plan = MonitoringPlan.objects.select_related("grant__selection__version").get(pk=plan.pk)
    end = services.monitoring_end(plan)
    return PlanOut(
        id=plan.pk,
        grant_id=plan.grant_id,
        methodology_id=plan.methodology_id,
        methodology_version=plan.methodology_version,
        methodology=_methodology_out(plan),
        end=EndOut(
            **{k: end[k] for k in ("operation_start", "useful_life_years", "life_end")},
            **{k: end[k] for k in ("unmeasurable_days", "extended_end", "bilateral_valid_until")},
            monitor_end=end["monitor_end"],
            capped=end["capped"],
            eco_lease=plain({k: str(v) if v else v for k, v in end["eco_lease"].items()})
            if end["eco_lease"]
            else None,
            readings={k: str(v) for k, v in end["readings"].items()},
            gaps=[str(g) for g in end["gaps"]],
            lines=[
                LineOut(label=str(x["label"]), value=str(x["value"]), clause=x["clause"])
                for x in end["lines"]
            ],
        ),
        sites=[SiteOut(id=s.pk, code=s.code, name=s.name) for s in plan.sites.order_by("code")],
        meters=[
            MeterOut(
                id=m.pk,
                site=m.site.code,
                serial=m.serial,
                unit=m.unit,
                calibrated_on=m.calibrated_on,
                calibration_valid_until=m.calibration_valid_until,
            )
            for m in plan.meters.select_related("site").order_by("serial")
        ],
        points=[
            MonitoringPointOut(
                id=p.pk,
                site=p.site.code,
                code=p.code,
                parameter=p.parameter,
                meter=p.meter.serial if p.meter else None,
            )
            for p in plan.points.select_related("site", "meter").order_by("site__code", "code")
        ],
        fixed=[
            FixedOut(
                parameter=f.parameter,
                site=f.point.site.code if f.point else None,
                point=f.point.code if f.point else None,
                value=str(f.value.normalize()),
                unit=f.unit,
                source=f.source,
            )
            for f in plan.fixed.select_related("point__site").order_by("parameter", "pk")
        ],
        updated_at=jst(plan.updated_at),
    )


def factor_out(f: EmissionFactor) -> FactorOut:
    return FactorOut(
        id=f.pk,
        country=f.country,
        system=f.system,
        case=f.case,
        ef_tco2_per_mwh=str(f.value.normalize()),
        valid_from=f.valid_from,
        valid_until=f.valid_until,
        source=f.source,
        status=f.status,
        loaded_at=jst(f.loaded_at),
    )


def _plan(request, plan_id: int) -> MonitoringPlan:
    plan = plans_for(request.user).filter(pk=plan_id).first()
    if plan is None:
        raise Http404
    return plan


# --- requests --------------------------------------------------------------------------------
class PlanIn(Schema):
    methodology_id: Code = Field(description='e.g. "ID_AM003".')
    methodology_version: text(20) = Field(description="A version in force on O.")
    bilateral_valid_until: dt.date | None = Field(default=None, description="BDV, if known.")


class PlanUpdateIn(Schema):
    methodology_version: text(20) | None = Field(default=None, description="Another version.")
    bilateral_valid_until: dt.date | None = Field(default=None, description="BDV.")
    unmeasurable_days: int | None = Field(
        default=None, ge=0, le=36_500, description="Days not measurable (grantee's fault)."
    )
    reason: Why = Field(description="Why (recorded in the audit trail).")


class SiteIn(Schema):
    code: Code = Field(description="Site code, unique in the plan.")
    name: Name = Field(description="Site name.")


class MeterIn(Schema):
    site_id: int = Field(ge=1, le=2**63 - 1, description="One of the plan's sites.")
    serial: text(80) = Field(description="Serial number, unique in the plan.")
    unit: Unit = Field(description='Unit it reads in, e.g. "kWh".')
    calibrated_on: dt.date = Field(description="Calibrated on.")
    calibration_valid_until: dt.date = Field(description="Calibration valid until.")


class CalibrationIn(Schema):
    calibrated_on: dt.date = Field(description="On or after the last calibration.")
    calibration_valid_until: dt.date = Field(description="On or after calibrated_on.")


class PointIn(Schema):
    site_id: int = Field(ge=1, le=2**63 - 1, description="One of the plan's sites.")
    code: Code = Field(description="Point code.")
    parameter: text(40) = Field(description="A parameter the methodology monitors.")
    meter_id: int | None = Field(
        default=None, ge=1, le=2**63 - 1, description="A meter at the same site."
    )


class FixedIn(Schema):
    parameter: text(40) = Field(description="A parameter the methodology fixes ex ante.")
    value: Decimal | None = Field(
        default=None, description='Decimal string, e.g. "2.1" (required without factor_id).'
    )
    unit: Unit | None = Field(
        default=None, description="Its unit, converting to the methodology's (idem)."
    )
    source: Source | None = Field(default=None, description="Where the value comes from (idem).")
    point_id: int | None = Field(
        default=None, ge=1, le=2**63 - 1, description="One point (None: the project)."
    )
    factor_id: int | None = Field(
        default=None,
        ge=1,
        le=2**63 - 1,
        description="An emission factor of the office's table (GET /monitoring/emission-factors):"
        " the value, unit and source are then the factor's, and its validity must cover every "
        "period computed with it.",
    )


class FactorsIn(Schema):
    csv: Annotated[str, StringConstraints(min_length=1, max_length=2_000_000)] = Field(
        description="The CSV: country,system,case,ef_tco2_per_mwh,valid_from,valid_until,"
        "source,status. All or nothing."
    )


# --- operations ------------------------------------------------------------------------------
@router.get(
    "/monitoring/plans/{plan_id}",
    summary="Read a monitoring plan",
    **op({200: (PlanOut, "The monitoring plan.")}, 401, 404, 422),
)
def get_plan(request, plan_id: PlanId):
    """The monitoring plan, as the caller may see it."""
    return plan_out(_plan(request, plan_id))


@router.post(
    "/monitoring/grants/{grant_id}/plan",
    summary="Create the monitoring plan of a grant (the representative participant)",
    **op({201: (PlanOut, "The plan is created.")}, *ERRORS),
)
def create_plan(request, grant_id: GrantId, body: PlanIn):
    """Create the grant's monitoring plan (the representative participant's applicants)."""
    grant = access.grants_for(request.user).filter(pk=grant_id).first()
    if grant is None:
        raise Http404
    plan = services.plan_create(actor=request.user, grant=grant, **body.dict())
    return Status(201, plan_out(plan))


@router.post(
    "/monitoring/plans/{plan_id}/update",
    summary="Change the methodology version, BDV or the days not measurable",
    **op({200: (PlanOut, "The plan is changed.")}, *ERRORS),
)
def update_plan(request, plan_id: PlanId, body: PlanUpdateIn):
    """Change the methodology version, BDV or the days not measurable, with a reason."""
    plan = services.plan_update(actor=request.user, plan=_plan(request, plan_id), **body.dict())
    return plan_out(plan)


@router.post(
    "/monitoring/plans/{plan_id}/sites",
    summary="Add a site to the plan",
    **op({201: (PlanOut, "The site is added.")}, *ERRORS),
)
def add_site(request, plan_id: PlanId, body: SiteIn):
    """A site of the project (the representative participant's applicants); its code unique
    in the plan."""
    plan = _plan(request, plan_id)
    services.site_add(actor=request.user, plan=plan, **body.dict())
    return Status(201, plan_out(plan))


@router.post(
    "/monitoring/plans/{plan_id}/meters",
    summary="Add a meter with its calibration",
    **op({201: (PlanOut, "The meter is added.")}, *ERRORS),
)
def add_meter(request, plan_id: PlanId, body: MeterIn):
    """A meter at one of the plan's sites, with its unit and calibration (valid until on or
    after the calibration date)."""
    plan = _plan(request, plan_id)
    data = body.dict()
    services.meter_add(actor=request.user, plan=plan, site=data.pop("site_id"), **data)
    return Status(201, plan_out(plan))


@router.post(
    "/monitoring/meters/{meter_id}/calibration",
    summary="Record a new calibration of a meter",
    **op({200: (PlanOut, "The calibration is recorded.")}, *ERRORS),
)
def calibrate_meter(request, meter_id: MeterId, body: CalibrationIn):
    """A new calibration of the meter, on or after its last one."""
    meter = Meter.objects.filter(pk=meter_id, plan__in=plans_for(request.user)).first()
    if meter is None:
        raise Http404
    services.meter_calibrate(actor=request.user, meter=meter, **body.dict())
    return plan_out(meter.plan)


@router.post(
    "/monitoring/plans/{plan_id}/points",
    summary="Add a monitoring point",
    **op({201: (PlanOut, "The monitoring point is added.")}, *ERRORS),
)
def add_point(request, plan_id: PlanId, body: PointIn):
    """Where a parameter the methodology monitors is measured; its meter at the same site reads
    in a unit convertible to the parameter's."""
    plan = _plan(request, plan_id)
    services.point_add(
        actor=request.user,
        plan=plan,
        site=body.site_id,
        code=body.code,
        parameter=body.parameter,
        meter=body.meter_id,
    )
    return Status(201, plan_out(plan))


@router.post(
    "/monitoring/plans/{plan_id}/fixed",
    summary="Set a parameter fixed ex ante",
    **op({200: (PlanOut, "The fixed value is recorded.")}, *ERRORS),
)
def set_fixed(request, plan_id: PlanId, body: FixedIn):
    """A parameter the methodology fixes ex ante, for the project or one point, with its
    source; set again, it replaces the value."""
    plan = _plan(request, plan_id)
    services.fixed_set(
        actor=request.user,
        plan=plan,
        parameter=body.parameter,
        value=body.value,
        unit=body.unit,
        source=body.source,
        point=body.point_id,
        factor=body.factor_id,
    )
    return plan_out(plan)


@router.get(
    "/monitoring/emission-factors",
    summary="List the emission factors",
    **op({200: (list[FactorOut], "The office's emission factors.")}, 401, 404),
)
def list_factors(request):
    """The office's emission factors with source, validity and status tag (the office,
    applicants and TPE verifiers read them)."""
    if not access.can(request.user, "view_emission_factors", None):
        raise Http404
    rows = EmissionFactor.objects.order_by("country", "system", "case", "valid_from")
    return [factor_out(f) for f in rows]


@router.post(
    "/monitoring/emission-factors",
    summary="Load emission factors (the office; all or nothing)",
    **op({201: (list[FactorOut], "Every row is loaded.")}, *ERRORS),
)
def load_factors(request, body: FactorsIn):
    """Load emission factors: all or nothing; every bad cell in ``errors``."""
    if not access.can(request.user, "view_emission_factors", None):
        raise Http404
    rows = services.factor_table_load(actor=request.user, csv_text=body.csv)
    return Status(201, [factor_out(f) for f in rows])


@router.get(
    "/monitoring/emission-factors/template.csv",
    summary="The reference emission factors as a CSV template (validity blank)",
    response={code: ErrorOut for code in (401, 404)},
    openapi_extra={
        "responses": {
            200: {
                "description": "The reference rows as CSV, validity blank for the office to set.",
                "content": {"text/csv": {"schema": {"type": "string"}}},
            },
            401: {"description": ERROR_TEXT[401]},
            404: {"description": ERROR_TEXT[404]},
        }
    },
)
def factor_template(request):
    """The MRV core's reference factors in the loader's columns, validity blank: a template
    for the office, never loaded as it is."""
    if not access.can(request.user, "view_emission_factors", None):
        raise Http404
    return HttpResponse(services.reference_template(), content_type="text/csv; charset=utf-8")
