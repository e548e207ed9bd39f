"""The C3P stage's partnership services (issue 11): every state change of this part, each with its
permission check, fresh rows under lock, audit event and notices after commit."""

from __future__ import annotations
