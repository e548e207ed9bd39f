"""The C3P exit part's services (issue 11): exits from a C3P project: a linked, prefilled JCM Model
Project proposal or another scheme of Tables 7 and 8, and the office's funnel.
"""

from __future__ import annotations
