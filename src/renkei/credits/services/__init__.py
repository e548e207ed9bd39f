"""The credits stage's services: one module per part (``cycle``, ``issuance``, ``registry``,
``portfolio``)."""
