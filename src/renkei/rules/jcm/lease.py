"""A lease inside a model project's consortium and the useful life (2.(6)①).

「設備が稼働してから法定耐用年数満了までの期間中にリース契約が終了する場合は、リース契約を継続するか、
若しくは取得した財産を国際コンソーシアム内の共同事業者へ譲渡することにより、法定耐用年数満了まで設備の
稼動を継続する必要があります。」

The useful life is counted as the monitoring period is (2.(1)②, ``schedule.period_end``): from
the day the equipment starts operating, its first day counted, so a 17-year life from
2026-02-01 ends on 2043-01-31. A lease that ends on that day or later covers it; one that ends
the day before does not, and the proposal must say how the equipment keeps operating: the lease
continued, or the equipment transferred to a partner participant (共同事業者) of the consortium.
Without a lease end date the lease is taken to run ``lease_years`` from operation; without an
operation date the two periods are compared in whole years.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from renkei.rules._result import Finding, Note, Status
from renkei.rules.jcm.schedule import period_end

CLAUSE = "2.(6)①"
CHECK = "jcm.lease.term"


def lease_term(
    *,
    lives: Sequence[tuple[str, int]],
    lease_years: int,
    ends_on: dt.date | None,
    operation_start: dt.date | None,
    after_lease: str | None,
    transfer_to: str,
    partners: Sequence[str],
) -> Finding:
    """Does the lease cover the useful life of every line (``lives``: subject, years)?"""
    notes: tuple[Note, ...] = ()
    longest = max(years for _, years in lives)
    if operation_start is not None:
        lease_end = ends_on or period_end(operation_start, lease_years)
        if ends_on is None:
            notes = (Note("jcm.note.lease_from_operation", (CLAUSE,), {"years": lease_years}),)
        life_end = period_end(operation_start, longest)
        short = [s for s, years in lives if lease_end < period_end(operation_start, years)]
        params = {
            "lease_end_ja": lease_end.isoformat(),
            "lease_end_en": lease_end.isoformat(),
            "life_end_ja": life_end.isoformat(),
            "life_end_en": life_end.isoformat(),
        }
    elif ends_on is not None:
        return Finding(
            CHECK, CLAUSE, Status.NEEDS_REVIEW, "jcm.lease.term_no_start", {"lease_end": ends_on}
        )
    else:
        short = [s for s, years in lives if lease_years < years]
        params = {
            "lease_end_ja": f"稼働から{lease_years}年",
            "lease_end_en": f"{lease_years} years from operation",
            "life_end_ja": f"稼働から{longest}年",
            "life_end_en": f"{longest} years from operation",
        }
    if not short:
        return Finding(CHECK, CLAUSE, Status.PASS, "jcm.lease.term_covers", params, notes)
    params |= {"subjects": short}
    if after_lease == "continue":
        return Finding(CHECK, CLAUSE, Status.NEEDS_REVIEW, "jcm.lease.term_continue", params, notes)
    if after_lease == "transfer":
        named = transfer_to.strip()
        if named and named in partners:
            params |= {"transfer_to": named}
            code = "jcm.lease.term_transfer"
            return Finding(CHECK, CLAUSE, Status.NEEDS_REVIEW, code, params, notes)
        params |= {"transfer_to": named or "—", "partners": list(partners) or "—"}
        return Finding(CHECK, CLAUSE, Status.FAIL, "jcm.lease.transfer_not_partner", params, notes)
    return Finding(CHECK, CLAUSE, Status.NEEDS_REVIEW, "jcm.lease.term_short", params, notes)
