"""Named readings of the JCM call: where the call is unclear, the reading Renkei applies.

Each reading has an id (``jcm.reading.…``) declared in the rulebook's ``grant.readings`` with
the clause it reads and the post-adoption spec's reference, and a sentence of the same id in
``messages/jcm.yaml`` (ja and en). A result carries it as a note wherever it applies.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from renkei.errors import RulebookInvalid
from renkei.rules._result import Note
from renkei.rules.jcm.rulebook import JcmRulebook


def reading(book: JcmRulebook, code: str, params: Mapping[str, Any] | None = None) -> Note:
    """The note of a named reading, citing the clauses the rulebook gives for it."""
    found = book.grant.readings.get(code)
    if found is None:
        raise RulebookInvalid(f"{book.id} declares no reading {code!r} (grant.readings)")
    clauses = tuple(c.strip() for c in found.clause.split(";"))
    return Note(code, clauses, dict(params or {}))
