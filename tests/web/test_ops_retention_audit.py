"""The audit trail is never changed or deleted (issue 14): the database refuses it, not only the
model's Python methods (migration audit 0003). A raw UPDATE is refused on both databases; a raw
DELETE on PostgreSQL (its PostgreSQL pass in `make test`, `.ci/run` sets RENKEI_TEST_POSTGRES_URL;
on SQLite Django's own test flush deletes rows, so no DELETE trigger there: the migration says
why)."""

from __future__ import annotations

import pytest
from django.db import DatabaseError, IntegrityError, connection, transaction
from webfactories import UserFactory

from renkei.audit.models import AppendOnlyError, AuditEvent
from renkei.audit.services import audit_record

pytestmark = pytest.mark.django_db


@pytest.fixture
def event() -> AuditEvent:
    user = UserFactory()
    return audit_record(actor=user, obj=user, action="account_issue", payload={"n": 1})


def _raw(sql: str, *params) -> None:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE audit_auditevent SET action = 'forged' WHERE id = %s",
        "UPDATE audit_auditevent SET payload = '{}' WHERE id = %s",
        "UPDATE audit_auditevent SET actor_id = NULL WHERE id = %s",
    ],
    ids=["action", "payload", "actor"],
)
def test_the_database_refuses_a_raw_update_of_an_audit_event(event, sql) -> None:
    refused = pytest.raises((IntegrityError, DatabaseError), match="append-only")
    with refused, transaction.atomic():
        _raw(sql, event.pk)
    stored = AuditEvent.objects.get(pk=event.pk)
    assert (stored.action, stored.payload, stored.actor_id) == (
        "account_issue",
        {"n": 1},
        event.actor_id,
    )


def test_the_model_still_refuses_first_with_its_own_message(event) -> None:
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.filter(pk=event.pk).update(action="forged")
    with pytest.raises(AppendOnlyError):
        event.delete()


def test_new_events_are_still_written(event) -> None:
    audit_record(actor=None, obj=event.actor, action="account_reject")
    assert AuditEvent.objects.count() == 2


@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="the delete trigger is PostgreSQL's (SQLite empties test tables with DELETE)",
)
def test_the_database_refuses_a_raw_delete_of_an_audit_event(event) -> None:
    refused = pytest.raises((IntegrityError, DatabaseError), match="append-only")
    with refused, transaction.atomic():
        _raw("DELETE FROM audit_auditevent WHERE id = %s", event.pk)
    assert AuditEvent.objects.filter(pk=event.pk).exists()
