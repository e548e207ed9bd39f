"""Finding and loading rulebooks by id (``jcm-model-project/fy2024``, ``c3p/fy2025``)."""

from __future__ import annotations

from functools import cache
from importlib import resources
from typing import Any

from pydantic import ValidationError

from renkei.errors import FieldError, InvalidDocument, UnknownChoice
from renkei.rules._yaml import load_yaml_text


def _rulebook_dir():
    return resources.files("renkei.rules") / "rulebooks"


def available_rulebooks() -> tuple[str, ...]:
    ids = []
    for program in _rulebook_dir().iterdir():
        if not program.is_dir():
            continue
        for entry in program.iterdir():
            name = entry.name
            # fy2024.yaml is a rulebook; fy2024-annex3.yaml and fy2024.cases.yaml are its data
            if name.endswith(".yaml") and name.count(".") == 1 and "-" not in name:
                ids.append(f"{program.name}/{name.removesuffix('.yaml')}")
    return tuple(sorted(ids))


def rulebook_file(rulebook_id: str, suffix: str = ".yaml"):
    if rulebook_id not in available_rulebooks():
        raise UnknownChoice("call", rulebook_id, available_rulebooks())
    program, period = rulebook_id.split("/")
    return _rulebook_dir() / program / f"{period}{suffix}"


def validation_errors(exc: ValidationError) -> list[FieldError]:
    """Pydantic errors as path + sentence, for people rather than tracebacks."""
    out = []
    for err in exc.errors():
        path = ""
        for part in err["loc"]:
            path += f"[{part}]" if isinstance(part, int) else (f".{part}" if path else str(part))
        msg = err["msg"]
        if err["type"] == "extra_forbidden":
            msg = "unknown field; remove it or check its spelling"
        elif err["type"] == "missing":
            msg = "required field is missing"
        out.append(FieldError(path, msg))
    return out


@cache
def load_rulebook(rulebook_id: str) -> Any:
    """Load, validate and cache a rulebook; the right model is chosen by its ``program``."""
    path = rulebook_file(rulebook_id)
    data = load_yaml_text(path.read_text(encoding="utf-8"), f"rulebook {rulebook_id}")
    program = data.get("program") if isinstance(data, dict) else None
    if program == "jcm-model-project":
        from renkei.rules.jcm.rulebook import JcmRulebook as model
    elif program == "c3p":
        from renkei.rules.c3p.rulebook import C3pRulebook as model
    else:
        raise InvalidDocument(f"rulebook {rulebook_id}", [FieldError("program", "unknown")])
    try:
        book = model.model_validate(data)
    except ValidationError as exc:
        raise InvalidDocument(f"rulebook {rulebook_id}", validation_errors(exc)) from exc
    if book.id != rulebook_id:
        raise InvalidDocument(f"rulebook {rulebook_id}", [FieldError("id", "does not match")])
    return book
