"""The C3P stage's exit part (issue 11): exits from a C3P project: a linked, prefilled JCM Model
Project proposal or another scheme of Tables 7 and 8, and the office's funnel.
"""

from __future__ import annotations

__all__: list[str] = []
