"""Invariants the database holds for the monitoring plan, on SQLite as on PostgreSQL: one value
per parameter fixed ex ante for the project, and one per parameter and monitoring point."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from monitoringfactories import operating_grant, plan_for

from renkei.monitoring.models import FixedValue

pytestmark = pytest.mark.django_db


def _fixed(plan, parameter, point=None):
    return FixedValue.objects.create(
        plan=plan, point=point, parameter=parameter, value=Decimal("1"), unit="-", source="test"
    )


def test_a_parameter_is_fixed_once_for_the_project_and_once_per_point() -> None:
    plan = plan_for(operating_grant())
    point = plan.points.get()
    with pytest.raises(IntegrityError), transaction.atomic():
        _fixed(plan, "COP_RE")  # the factory fixed COP_RE for the project already
    with pytest.raises(IntegrityError), transaction.atomic():
        _fixed(plan, "COP_PJ", point)  # and COP_PJ for point 1
    _fixed(plan, "COP_RE", point)  # a point's own value beside the project's is allowed
    _fixed(plan, "COP_PJ")
    assert plan.fixed.count() == 5
