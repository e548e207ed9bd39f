"""Errors raised by the web platform's services; views and the API turn them into messages."""

from __future__ import annotations


class ServiceError(Exception):
    """A request the rules or the workflow refuse; the message says why and what would work."""

    def __init__(self, message: str, *, errors: list[str] | None = None):
        super().__init__(message)
        self.errors = errors or []


class NotAllowed(ServiceError):
    """The actor may not do this (``renkei.access`` decided)."""
