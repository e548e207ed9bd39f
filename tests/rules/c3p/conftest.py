"""Shared fixtures for the C3P rules tests: the rulebook and editable copies of the examples."""

from __future__ import annotations

import copy
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from renkei.rules._registry import load_rulebook
from renkei.rules._yaml import load_yaml_file
from renkei.rules.c3p import C3pProposal, C3pRulebook, parse_c3p_proposal

EXAMPLES = Path(__file__).resolve().parents[3] / "examples"


@pytest.fixture(scope="session")
def book() -> C3pRulebook:
    return load_rulebook("c3p/fy2025")


@pytest.fixture(scope="session")
def examples_dir() -> Path:
    return EXAMPLES


@pytest.fixture
def example() -> Callable[[str], dict[str, Any]]:
    """A fresh, editable copy of an example proposal's data."""
    return lambda name: copy.deepcopy(load_yaml_file(EXAMPLES / name))


@pytest.fixture
def new_data(example: Callable[[str], dict[str, Any]]) -> dict[str, Any]:
    return example("c3p-new-project.yaml")


@pytest.fixture
def ongoing_data(example: Callable[[str], dict[str, Any]]) -> dict[str, Any]:
    return example("c3p-ongoing-project.yaml")


@pytest.fixture(scope="session")
def parse() -> Callable[[dict[str, Any]], C3pProposal]:
    return lambda data: parse_c3p_proposal(data, "test proposal")
