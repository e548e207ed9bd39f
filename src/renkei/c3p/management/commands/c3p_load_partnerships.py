"""Load the city-to-city partnerships the C3P guidebook names (FY2024 edition, BOX 8) as
reference data: the organisations, the partnerships and their agreements that are missing.
Idempotent: a second run creates nothing."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from renkei.c3p.reference_partnerships import SOURCE
from renkei.c3p.services.partnership import partnerships_load_reference


class Command(BaseCommand):
    help = "Load the city partnerships of the C3P guidebook (BOX 8); idempotent."

    def handle(self, *args, **options) -> None:
        created = partnerships_load_reference()
        self.stdout.write(f"{SOURCE}: {created} record(s) created")
