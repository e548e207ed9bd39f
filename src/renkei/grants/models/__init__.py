"""The grant stage's models, one module per part of the stage (each owned by its services):

- ``core``: the grant itself (its state machine, JCM 4.) and the documents uploaded to it;
- ``award``: the grant application (交付申請), the office's pre-check, the decision (交付決定),
  the budget allocations, and what happens during implementation (procurement, changes,
  stop/abolish requests, interim inspections, year-end reports);
- ``closing``: completion, the completion report, the final inspection, the fixed amount,
  claims, payments, refunds, cancellation, the acquired-property ledger, disposals, annual
  project reports and corporate changes;
- ``schedule``: the due dates computed by the rules core and the reminders sent for them.
"""

from renkei.grants.models.award import *  # noqa: F403
from renkei.grants.models.closing import *  # noqa: F403
from renkei.grants.models.core import *  # noqa: F403
from renkei.grants.models.schedule import *  # noqa: F403
