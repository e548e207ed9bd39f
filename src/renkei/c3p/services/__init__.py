"""The C3P stage's services: one module per part (``partnership``, ``project``, ``matching``)."""
