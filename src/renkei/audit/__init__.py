"""The append-only audit trail: every state change records who, when, from, to and what."""
