"""Audit events are never changed or deleted (issue 14, "the audit trail's retention: never
deleted"), held by the database and not only by ``AuditEvent``'s Python methods: a trigger
refuses any UPDATE of a row, and on PostgreSQL any DELETE, whatever code writes (a shell, a raw
query, another program on the same database).

On SQLite a DELETE is not refused by a trigger: Django's test databases (and any flush, such as
the browser walk's) empty SQLite tables with DELETE, which such a trigger would block; there the
Python model refuses a delete and the actor's PROTECT key keeps rows from going with a user.
PostgreSQL empties tables with TRUNCATE, which row triggers do not see; TRUNCATE is therefore not
refused (it needs the table's owner or the TRUNCATE privilege: docs/ops/retention.md says how to
run the application under a role without it). Same pattern as monitoring 0002."""

from django.db import migrations

from renkei.dbvendor import per_vendor

TABLE = "audit_auditevent"
MESSAGE = "audit events are append-only: an audit event cannot be changed or deleted"

SQLITE = [
    f"""CREATE TRIGGER audit_event_no_update BEFORE UPDATE ON {TABLE}
    BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END""",
]
SQLITE_DROP = ["DROP TRIGGER IF EXISTS audit_event_no_update"]

POSTGRES = [
    f"""CREATE FUNCTION audit_event_append_only() RETURNS trigger AS $$
    BEGIN
        RAISE EXCEPTION '{MESSAGE}' USING ERRCODE = 'integrity_constraint_violation';
    END $$ LANGUAGE plpgsql""",
    f"""CREATE TRIGGER audit_event_append_only BEFORE UPDATE OR DELETE ON {TABLE}
    FOR EACH ROW EXECUTE FUNCTION audit_event_append_only()""",
]
POSTGRES_DROP = [
    f"DROP TRIGGER IF EXISTS audit_event_append_only ON {TABLE}",
    "DROP FUNCTION IF EXISTS audit_event_append_only()",
]


class Migration(migrations.Migration):
    dependencies = [("audit", "0002_records_follow_the_clock")]

    operations = [
        migrations.RunPython(
            per_vendor({"sqlite": SQLITE, "postgresql": POSTGRES}),
            per_vendor({"sqlite": SQLITE_DROP, "postgresql": POSTGRES_DROP}),
        )
    ]
