"""The C3P activity part's services (issue 11): the yearly activities of Table 3 planned and done,
monthly reports and their due dates, reminders and the office's calendar.
"""

from __future__ import annotations
