"""The monitoring stage's services: one module per part (``plan``, ``intake``, ``period``,
``verification``, ``annual``); ``core`` holds what they share."""
