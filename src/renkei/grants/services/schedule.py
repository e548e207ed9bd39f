"""Due dates of a grant from the rules core, and the reminders sent for them."""

from __future__ import annotations

from renkei.grants.models import Grant


def refresh_deadlines(grant: Grant) -> None:
    """Recompute the grant's ``GrantDeadline`` rows from its facts and records (called by every
    service that changes them, inside its transaction)."""
    raise NotImplementedError("schedule part: to be written")
