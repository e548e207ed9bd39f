"""Permission matrices of this part (placeholder: the part's helper writes every role × every
page and API operation here, as tests/web/test_monitoring_annual_matrix.py does)."""

from __future__ import annotations

# (method, path) -> expected status per role; test_api.test_the_matrix_covers_every_operation
# requires every API operation of the part to be listed here
API: dict = {}
