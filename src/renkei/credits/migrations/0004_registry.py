"""The registry ledger's records (issue 10) and the invariants the database holds itself,
whatever code writes (a shell, a raw query); the services refuse first, with a message:

- a serial is in exactly one block: no two blocks of one issuance overlap (PostgreSQL: an
  exclusion constraint on (issuance, int8range) with btree_gist; SQLite: triggers on INSERT and
  UPDATE);
- a block lies within its issuance (serial_end <= issued_tco2), so with no overlap the blocks of
  an issuance add up to at most what was issued; an issuance cannot be lowered below its blocks;
- a block in a cancellation or retirement account never changes again (final), and such an
  account never changes kind; a movement is never changed (PostgreSQL: nor deleted);
- balances are never negative by construction: a block holds at least one serial
  (``block_range``), a movement at least one credit (``movement_quantity_positive``).

On SQLite no trigger refuses a DELETE: Django's test databases (and any flush) empty SQLite
tables with DELETE, which such a trigger would block (PostgreSQL flushes with TRUNCATE, which row
triggers do not see); there blocks and movements are kept by their PROTECT foreign keys."""


import django.db.models.deletion
import django.db.models.expressions
import renkei.clock
from django.conf import settings
from django.db import migrations, models

from renkei.dbvendor import per_vendor


FINAL = "('cancellation', 'retirement')"
OVERLAP = "a serial is in exactly one block: this range overlaps a block of the same issuance"
BEYOND = "a block lies within its issuance: serial_end is above the credits issued"
LOWERED = "an issuance cannot be lowered below the serials of its blocks"
FINAL_MSG = "credits in a cancellation or retirement account are final: the block cannot change"
KIND_MSG = "a final account, or an account holding credits, cannot change kind or registry"
MOVEMENT_MSG = "a registry movement is never changed or deleted"

SQLITE = [
    f"""CREATE TRIGGER credits_block_overlap_insert BEFORE INSERT ON credits_block
    WHEN EXISTS (SELECT 1 FROM credits_block b WHERE b.issuance_id = NEW.issuance_id
        AND b.serial_start <= NEW.serial_end AND NEW.serial_start <= b.serial_end)
    BEGIN SELECT RAISE(ABORT, '{OVERLAP}'); END""",
    f"""CREATE TRIGGER credits_block_overlap_update
    BEFORE UPDATE OF issuance_id, serial_start, serial_end ON credits_block
    WHEN EXISTS (SELECT 1 FROM credits_block b WHERE b.issuance_id = NEW.issuance_id
        AND b.id != NEW.id
        AND b.serial_start <= NEW.serial_end AND NEW.serial_start <= b.serial_end)
    BEGIN SELECT RAISE(ABORT, '{OVERLAP}'); END""",
    f"""CREATE TRIGGER credits_block_within_insert BEFORE INSERT ON credits_block
    WHEN NEW.serial_end > (SELECT issued_tco2 FROM credits_issuance WHERE id = NEW.issuance_id)
    BEGIN SELECT RAISE(ABORT, '{BEYOND}'); END""",
    f"""CREATE TRIGGER credits_block_within_update
    BEFORE UPDATE OF issuance_id, serial_end ON credits_block
    WHEN NEW.serial_end > (SELECT issued_tco2 FROM credits_issuance WHERE id = NEW.issuance_id)
    BEGIN SELECT RAISE(ABORT, '{BEYOND}'); END""",
    f"""CREATE TRIGGER credits_block_final_update BEFORE UPDATE ON credits_block
    WHEN (SELECT kind FROM credits_account WHERE id = OLD.account_id) IN {FINAL}
    BEGIN SELECT RAISE(ABORT, '{FINAL_MSG}'); END""",
    f"""CREATE TRIGGER credits_account_kind_update
    BEFORE UPDATE OF kind, registry ON credits_account
    WHEN (NEW.kind IS NOT OLD.kind OR NEW.registry IS NOT OLD.registry) AND (OLD.kind IN {FINAL}
        OR EXISTS (SELECT 1 FROM credits_block b WHERE b.account_id = OLD.id))
    BEGIN SELECT RAISE(ABORT, '{KIND_MSG}'); END""",
    f"""CREATE TRIGGER credits_issuance_not_below_blocks BEFORE UPDATE OF issued_tco2
    ON credits_issuance
    WHEN EXISTS (SELECT 1 FROM credits_block b WHERE b.issuance_id = NEW.id
        AND b.serial_end > NEW.issued_tco2)
    BEGIN SELECT RAISE(ABORT, '{LOWERED}'); END""",
    f"""CREATE TRIGGER credits_movement_update BEFORE UPDATE ON credits_movement
    BEGIN SELECT RAISE(ABORT, '{MOVEMENT_MSG}'); END""",
]
SQLITE_DROP = [
    f"DROP TRIGGER IF EXISTS {name}"
    for name in (
        "credits_block_overlap_insert",
        "credits_block_overlap_update",
        "credits_block_within_insert",
        "credits_block_within_update",
        "credits_block_final_update",
        "credits_account_kind_update",
        "credits_issuance_not_below_blocks",
        "credits_movement_update",
    )
]

ERR = "USING ERRCODE = 'integrity_constraint_violation'"
POSTGRES = [
    "CREATE EXTENSION IF NOT EXISTS btree_gist",
    """ALTER TABLE credits_block ADD CONSTRAINT credits_block_serial_once
    EXCLUDE USING gist (issuance_id WITH =, int8range(serial_start, serial_end, '[]') WITH &&)""",
    f"""CREATE FUNCTION credits_block_guard() RETURNS trigger AS $$
    BEGIN
        IF TG_OP IN ('UPDATE', 'DELETE') AND
                (SELECT kind FROM credits_account WHERE id = OLD.account_id) IN {FINAL} THEN
            RAISE EXCEPTION '{FINAL_MSG}' {ERR};
        END IF;
        IF TG_OP IN ('INSERT', 'UPDATE') AND NEW.serial_end >
                (SELECT issued_tco2 FROM credits_issuance WHERE id = NEW.issuance_id) THEN
            RAISE EXCEPTION '{BEYOND}' {ERR};
        END IF;
        RETURN COALESCE(NEW, OLD);
    END $$ LANGUAGE plpgsql""",
    """CREATE TRIGGER credits_block_guard BEFORE INSERT OR UPDATE OR DELETE ON credits_block
    FOR EACH ROW EXECUTE FUNCTION credits_block_guard()""",
    f"""CREATE FUNCTION credits_account_guard() RETURNS trigger AS $$
    BEGIN
        IF (NEW.kind IS DISTINCT FROM OLD.kind OR NEW.registry IS DISTINCT FROM OLD.registry)
                AND (OLD.kind IN {FINAL} OR EXISTS
                    (SELECT 1 FROM credits_block b WHERE b.account_id = OLD.id)) THEN
            RAISE EXCEPTION '{KIND_MSG}' {ERR};
        END IF;
        RETURN NEW;
    END $$ LANGUAGE plpgsql""",
    """CREATE TRIGGER credits_account_guard BEFORE UPDATE ON credits_account
    FOR EACH ROW EXECUTE FUNCTION credits_account_guard()""",
    f"""CREATE FUNCTION credits_issuance_guard() RETURNS trigger AS $$
    BEGIN
        IF EXISTS (SELECT 1 FROM credits_block b WHERE b.issuance_id = NEW.id
                AND b.serial_end > NEW.issued_tco2) THEN
            RAISE EXCEPTION '{LOWERED}' {ERR};
        END IF;
        RETURN NEW;
    END $$ LANGUAGE plpgsql""",
    """CREATE TRIGGER credits_issuance_guard BEFORE UPDATE OF issued_tco2 ON credits_issuance
    FOR EACH ROW EXECUTE FUNCTION credits_issuance_guard()""",
    f"""CREATE FUNCTION credits_movement_guard() RETURNS trigger AS $$
    BEGIN
        RAISE EXCEPTION '{MOVEMENT_MSG}' {ERR};
    END $$ LANGUAGE plpgsql""",
    """CREATE TRIGGER credits_movement_guard BEFORE UPDATE OR DELETE ON credits_movement
    FOR EACH ROW EXECUTE FUNCTION credits_movement_guard()""",
]
POSTGRES_DROP = [
    "DROP TRIGGER IF EXISTS credits_movement_guard ON credits_movement",
    "DROP FUNCTION IF EXISTS credits_movement_guard()",
    "DROP TRIGGER IF EXISTS credits_issuance_guard ON credits_issuance",
    "DROP FUNCTION IF EXISTS credits_issuance_guard()",
    "DROP TRIGGER IF EXISTS credits_account_guard ON credits_account",
    "DROP FUNCTION IF EXISTS credits_account_guard()",
    "DROP TRIGGER IF EXISTS credits_block_guard ON credits_block",
    "DROP FUNCTION IF EXISTS credits_block_guard()",
    "ALTER TABLE credits_block DROP CONSTRAINT IF EXISTS credits_block_serial_once",
]


class Migration(migrations.Migration):

    dependencies = [
        ('accounts', '0008_registry_role'),
        ('credits', '0003_issuance'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='Movement',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('kind', models.CharField(choices=[('issuance', 'Issuance'), ('transfer', 'Transfer'), ('delivery', 'Delivery to the Government of Japan'), ('cancellation', 'Cancellation'), ('retirement', 'Retirement')], max_length=20, verbose_name='kind')),
                ('serial_start', models.BigIntegerField()),
                ('serial_end', models.BigIntegerField()),
                ('quantity', models.BigIntegerField()),
                ('note', models.CharField(blank=True, max_length=500, verbose_name='note')),
                ('at', models.DateTimeField(default=renkei.clock.now)),
            ],
            options={
                'verbose_name': 'registry movement',
            },
        ),
        migrations.AddField(
            model_name='account',
            name='opened_by',
            field=models.ForeignKey(null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL),
        ),
        migrations.AddConstraint(
            model_name='account',
            constraint=models.UniqueConstraint(condition=models.Q(('holder__isnull', False)), fields=('registry', 'kind', 'holder'), name='account_one_per_holder'),
        ),
        migrations.AddConstraint(
            model_name='account',
            constraint=models.UniqueConstraint(condition=models.Q(('holder__isnull', True)), fields=('registry', 'kind'), name='account_one_per_registry'),
        ),
        migrations.AddField(
            model_name='movement',
            name='actor',
            field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL),
        ),
        migrations.AddField(
            model_name='movement',
            name='destination',
            field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='movements_in', to='credits.account'),
        ),
        migrations.AddField(
            model_name='movement',
            name='issuance',
            field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='movements', to='credits.issuance'),
        ),
        migrations.AddField(
            model_name='movement',
            name='source',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='movements_out', to='credits.account'),
        ),
        migrations.AddConstraint(
            model_name='movement',
            constraint=models.CheckConstraint(condition=models.Q(('quantity__gt', 0)), name='movement_quantity_positive'),
        ),
        migrations.AddConstraint(
            model_name='movement',
            constraint=models.CheckConstraint(condition=models.Q(('serial_start__gte', 1), ('serial_end', django.db.models.expressions.CombinedExpression(django.db.models.expressions.CombinedExpression(models.F('serial_start'), '+', models.F('quantity')), '-', models.Value(1)))), name='movement_range'),
        ),
        migrations.AddConstraint(
            model_name='movement',
            constraint=models.CheckConstraint(condition=models.Q(models.Q(('kind', 'issuance'), ('source__isnull', True)), models.Q(models.Q(('kind', 'issuance'), _negated=True), ('source__isnull', False)), _connector='OR'), name='movement_source'),
        ),
        migrations.AddConstraint(
            model_name='movement',
            constraint=models.CheckConstraint(condition=models.Q(('source', models.F('destination')), _negated=True), name='movement_two_accounts'),
        ),
        migrations.RunPython(
            per_vendor({'sqlite': SQLITE, 'postgresql': POSTGRES}),
            per_vendor({'sqlite': SQLITE_DROP, 'postgresql': POSTGRES_DROP}),
        ),
    ]
