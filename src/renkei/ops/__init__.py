"""Operations (issue 14): backups that restore, records retention and archiving, health.

Owns no part of the pipeline: it keeps the platform's data safe and the platform observable.
Parts: ``backup`` (``manage.py renkei_backup`` / ``renkei_restore``), ``retention`` (the call's
record-keeping periods, ``manage.py renkei_retention``), ``health`` (the readiness check)."""
