"""Completion to payment and the years after (JCM 4.(5)–(11)). See
``renkei.grants.models.closing``."""
