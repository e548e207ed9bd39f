"""The rules core: both calls as cited, versioned rulebooks and the pure functions that apply them.

Never imports Django. Public entry points: ``load_rulebook``, ``parse_proposal``,
``assess_proposal`` and ``proposal_schema``.
"""

from renkei.rules._proposals import (
    assess_proposal,
    parse_proposal,
    proposal_schema,
    validate_proposal,
)
from renkei.rules._registry import available_rulebooks, load_rulebook
from renkei.rules._result import Assessment, Finding, Note, Section, Status

__all__ = [
    "Assessment",
    "Finding",
    "Note",
    "Section",
    "Status",
    "assess_proposal",
    "available_rulebooks",
    "load_rulebook",
    "parse_proposal",
    "proposal_schema",
    "validate_proposal",
]
