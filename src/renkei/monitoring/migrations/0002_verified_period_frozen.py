"""A verified monitoring period never changes (issue 9, "A verified period cannot be changed"):
a trigger refuses any UPDATE of a verified or superseded period's row other than the one
transition verified → superseded (everything else equal), and on PostgreSQL any DELETE of one.
The services refuse first, with a message; this holds whatever code writes (a shell, a raw
query). On SQLite a DELETE is not refused by a trigger: Django's test databases (and any flush)
empty SQLite tables with DELETE, which such a trigger would block; there the period is kept by
its verification's PROTECT foreign key (PostgreSQL empties tables with TRUNCATE, which row
triggers do not see)."""

from django.db import migrations

from renkei.dbvendor import per_vendor

TABLE = "monitoring_monitoringperiod"
MESSAGE = "a verified monitoring period cannot be changed: correct it with a new version"
COLUMNS = (
    "id", "plan_id", "start", '"end"', "version", "correction_of_id", "correction_reason",
    "result", "reference_emissions_tco2", "project_emissions_tco2", "emission_reductions_tco2",
    "provisional", "computed_at", "submitted_at", "created_by_id", "created_at",
)

SQLITE = [
    f"""CREATE TRIGGER monitoring_period_frozen_update BEFORE UPDATE ON {TABLE}
    WHEN OLD.state IN ('verified', 'superseded') AND NOT (
        (NEW.state = OLD.state OR (OLD.state = 'verified' AND NEW.state = 'superseded')) AND
        {" AND ".join(f"NEW.{c} IS OLD.{c}" for c in COLUMNS)}
    )
    BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END""",
]
SQLITE_DROP = [
    "DROP TRIGGER IF EXISTS monitoring_period_frozen_update",
    "DROP TRIGGER IF EXISTS monitoring_period_frozen_delete",
]

POSTGRES = [
    f"""CREATE FUNCTION monitoring_period_frozen() RETURNS trigger AS $$
    DECLARE probe {TABLE};
    BEGIN
        IF OLD.state NOT IN ('verified', 'superseded') THEN
            RETURN COALESCE(NEW, OLD);
        END IF;
        IF TG_OP = 'UPDATE' THEN
            probe := NEW;
            probe.state := OLD.state;
            IF probe IS NOT DISTINCT FROM OLD AND (
                NEW.state = OLD.state OR (OLD.state = 'verified' AND NEW.state = 'superseded')
            ) THEN
                RETURN NEW;
            END IF;
        END IF;
        RAISE EXCEPTION '{MESSAGE}' USING ERRCODE = 'integrity_constraint_violation';
    END $$ LANGUAGE plpgsql""",
    f"""CREATE TRIGGER monitoring_period_frozen BEFORE UPDATE OR DELETE ON {TABLE}
    FOR EACH ROW EXECUTE FUNCTION monitoring_period_frozen()""",
]
POSTGRES_DROP = [
    f"DROP TRIGGER IF EXISTS monitoring_period_frozen ON {TABLE}",
    "DROP FUNCTION IF EXISTS monitoring_period_frozen()",
]


class Migration(migrations.Migration):
    dependencies = [("monitoring", "0001_initial")]

    operations = [
        migrations.RunPython(
            per_vendor({"sqlite": SQLITE, "postgresql": POSTGRES}),
            per_vendor({"sqlite": SQLITE_DROP, "postgresql": POSTGRES_DROP}),
        )
    ]
