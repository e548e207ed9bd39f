# The C3P stage's first migration: empty, so that each part's migration (0002_<part>) has a
# common parent.

from django.db import migrations


class Migration(migrations.Migration):
    initial = True
    dependencies = [("proposals", "0007_partner_invitation")]
    operations: list = []
