"""The Django project: settings, root URLs, templates and static files."""
