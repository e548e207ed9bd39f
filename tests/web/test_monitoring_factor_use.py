"""A parameter fixed ex ante may be taken from the office's emission-factor table: the value,
unit and source are then the factor's, and a period computed with it must lie within the
factor's validity (issue 9, "a factor outside its validity: named with what would be right")."""

from __future__ import annotations

from decimal import Decimal

import pytest
from monitoringfactories import cast, operating_grant, plan_for
from monitoringfactories_period import D, period_data

from renkei.monitoring.models import EmissionFactor
from renkei.monitoring.services import period as periods
from renkei.monitoring.services import plan as plans
from renkei.services import ServiceError

pytestmark = pytest.mark.django_db

TABLE = (
    "country,system,case,ef_tco2_per_mwh,valid_from,valid_until,source,status\n"
    'ID,"Jamali, 3 Nusa, Karimun Jawa",JCM Case 2,0.533,2025-01-01,2025-12-31,'
    "https://example.org/jcm-grid-ef (test),V\n"
)


@pytest.fixture
def setup(monkeypatch):
    grant = operating_grant()
    plan = plan_for(grant)
    people = cast(grant)
    monkeypatch.setattr(periods, "_period_data", period_data())
    plans.factor_table_load(actor=people.office, csv_text=TABLE)
    factor = EmissionFactor.objects.get()
    row = plans.fixed_set(
        actor=people.filer, plan=plan, parameter="EF_elec", value=None, unit=None, source=None,
        factor=factor,
    )  # fmt: skip
    return plan, people, factor, row


def test_the_fixed_value_is_the_factors_with_its_source(setup) -> None:
    _plan, _people, factor, row = setup
    assert (row.value, row.unit, row.factor) == (Decimal("0.533"), "tCO2/MWh", factor)
    assert "JCM Case 2" in row.source and "2025-01-01–2025-12-31" in row.source


def test_a_period_within_the_factors_validity_computes(setup) -> None:
    plan, people, _factor, _row = setup
    period = periods.period_create(
        actor=people.filer, plan=plan, start=D("2025-04-01"), end=D("2025-12-31")
    )
    period = periods.period_compute(actor=people.filer, period=period)
    assert period.emission_reductions_tco2 is not None


def test_a_period_beyond_the_factors_validity_is_refused_saying_what_would_be_right(
    setup,
) -> None:
    plan, people, _factor, _row = setup
    period = periods.period_create(
        actor=people.filer, plan=plan, start=D("2025-10-01"), end=D("2026-03-31")
    )
    with pytest.raises(ServiceError) as refused:
        periods.period_compute(actor=people.filer, period=period)
    message = str(refused.value)
    assert "EF_elec" in message and "2025-12-31" in message and "2026-03-31" in message
    assert "split the period" in message
    assert type(period).objects.get(pk=period.pk).computed_at is None  # nothing stored


def test_an_unknown_factor_and_a_missing_value_are_refused(setup) -> None:
    plan, people, _factor, _row = setup
    with pytest.raises(ServiceError, match="office's table"):
        plans.fixed_set(
            actor=people.filer, plan=plan, parameter="EF_elec", value=None, unit=None,
            source=None, factor=999_999,
        )  # fmt: skip
    with pytest.raises(ServiceError, match="required"):
        plans.fixed_set(
            actor=people.filer, plan=plan, parameter="COP_RE", value=None, unit="-", source="x"
        )
