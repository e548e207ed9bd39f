"""Every schema of the REST API has a name of its own: the OpenAPI description keys its
components by class name, so two stages' ``FindingOut`` would describe one operation with the
other's schema (the monitoring stage's did that to the proposals' assessment)."""

from __future__ import annotations

from collections import defaultdict

from ninja import Schema


def _subclasses(cls: type) -> set[type]:
    found = set(cls.__subclasses__())
    for sub in list(found):
        found |= _subclasses(sub)
    return found


def test_no_two_api_schemas_share_a_name() -> None:
    import renkei.api  # noqa: F401  (mounts every stage's router, importing its schemas)

    by_name: dict[str, set[str]] = defaultdict(set)
    for cls in _subclasses(Schema):
        if cls.__module__.startswith("renkei."):
            by_name[cls.__name__].add(cls.__module__)
    clashes = {name: sorted(mods) for name, mods in by_name.items() if len(mods) > 1}
    assert not clashes, clashes
