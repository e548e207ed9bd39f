"""The credits stage's cycle services (issue 10): every state change of this part, each with
its permission check, fresh rows under lock, audit event and notices after commit."""

from __future__ import annotations
