import django.core.serializers.json
from django.db import migrations, models


def backfill(apps, schema_editor):
    """Store the assessment of every version submitted before the field existed. A document the
    current rules core cannot read is left empty: ``version_assessment`` retries it lazily."""
    from renkei.errors import RenkeiError
    from renkei.proposals.assessed import assess_document

    ProposalVersion = apps.get_model("proposals", "ProposalVersion")
    for version in ProposalVersion.objects.filter(assessment={}).iterator():
        try:
            version.assessment = assess_document(version.document)
        except (RenkeiError, ValueError):
            continue
        version.save(update_fields=["assessment"])


class Migration(migrations.Migration):
    dependencies = [
        ("proposals", "0005_submit_key_per_proposal"),
    ]

    operations = [
        migrations.AddField(
            model_name="proposalversion",
            name="assessment",
            field=models.JSONField(
                blank=True, default=dict, encoder=django.core.serializers.json.DjangoJSONEncoder
            ),
        ),
        migrations.RunPython(backfill, migrations.RunPython.noop),
    ]
