"""WSGI entry point (``gunicorn renkei.web.wsgi``).

After Django has started (settings, apps, URLs, the rulebooks and templates the first requests
load), ``gc.freeze()`` moves every object made so far into a permanent generation that the
garbage collector no longer scans. A full collection during a request then walks only what
that request made, not the ~1M start-up objects: on the 20-site proposal editor page this is
the difference between missing and meeting p95 ≤ 150 ms (benchmarks/README.md, issue 12). With
a pre-forking server, freezing before the fork also keeps the shared pages copy-on-write.
"""

import gc
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "renkei.web.settings")
application = get_wsgi_application()


def warm_up() -> None:
    """Import what the first requests would import (the URL conf with every view, the rulebooks
    the assessment uses), so that it is frozen with the rest of start-up."""
    from django.urls import get_resolver

    get_resolver().url_patterns  # noqa: B018 (imports every app's views)
    from renkei.rules import available_rulebooks, load_rulebook

    for rulebook_id in available_rulebooks():
        load_rulebook(rulebook_id)


warm_up()
gc.freeze()
