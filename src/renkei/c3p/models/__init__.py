"""The C3P stage's records (issue 11): one module per part (``partnership``, ``project``,
``matching``); each part's models are imported here."""

from renkei.c3p.models.activity import *  # noqa: F403
from renkei.c3p.models.exit import *  # noqa: F403
from renkei.c3p.models.matching import *  # noqa: F403
from renkei.c3p.models.partnership import *  # noqa: F403
from renkei.c3p.models.project import *  # noqa: F403
