"""Reading a proposal file (YAML or JSON) and sending it to its call's assessment."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Annotated, Any

from pydantic import Field, TypeAdapter, ValidationError

from renkei.errors import FieldError, InvalidDocument
from renkei.rules._registry import available_rulebooks, load_rulebook, validation_errors
from renkei.rules._result import Assessment
from renkei.rules._yaml import load_yaml_text


@cache
def _adapter() -> TypeAdapter:
    """Built once: constructing the validator of both calls' schemas costs ~16 ms."""
    from renkei.rules.c3p import C3pProposal
    from renkei.rules.jcm import JcmProposal

    return TypeAdapter(Annotated[JcmProposal | C3pProposal, Field(discriminator="call")])


def proposal_schema() -> dict[str, Any]:
    schema = _adapter().json_schema()
    schema["title"] = "Renkei proposal"
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    return schema


def validate_proposal(data: Any) -> Any:
    """A proposal document (mapping) as the typed proposal of its call; raises ValidationError."""
    return _adapter().validate_python(data)


def parse_proposal(path: Path) -> Any:
    """Load and validate a proposal; InvalidDocument lists every error with its path."""
    source = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise InvalidDocument(
            source, [FieldError("", f"cannot read file: {exc.strerror}")]
        ) from exc
    if Path(path).suffix.lower() == ".json":
        try:
            data = json.loads(text, parse_float=lambda s: __import__("decimal").Decimal(s))
        except json.JSONDecodeError as exc:
            raise InvalidDocument(source, [FieldError(f"line {exc.lineno}", exc.msg)]) from exc
    else:
        data = load_yaml_text(text, source)
    if not isinstance(data, dict):
        raise InvalidDocument(source, [FieldError("", "a proposal must be a mapping of fields")])
    call = data.get("call")
    if call not in available_rulebooks():
        raise InvalidDocument(
            source,
            [
                FieldError(
                    "call",
                    f"{call!r} is not a known call; use one of: {', '.join(available_rulebooks())}",
                )
            ],
        )
    try:
        return validate_proposal(data)
    except ValidationError as exc:
        errors = [
            FieldError(e.path.removeprefix(f"{call}.").removeprefix(call), e.message)
            for e in validation_errors(exc)
        ]
        raise InvalidDocument(source, errors) from exc


def assess_proposal(proposal: Any, **options: Any) -> Assessment:
    book = load_rulebook(proposal.call)
    if book.program == "jcm-model-project":
        from renkei.rules.jcm import assess_jcm

        return assess_jcm(proposal, book, options.get("table"))
    from renkei.rules.c3p import assess_c3p

    return assess_c3p(proposal, book)
