"""WSGI entry point (``gunicorn renkei.web.wsgi``)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "renkei.web.settings")
application = get_wsgi_application()
