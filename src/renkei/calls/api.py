"""The calls in the REST API: the calls with their rounds and deadlines (public). Mounted by
``renkei.api``; shared helpers from ``renkei.apikit``."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from ninja import Query, Router, Schema
from pydantic import Field

from renkei import clock
from renkei.apikit import jst, op
from renkei.calls.models import Call, Round

router = Router(tags=["calls"])


class RoundOut(Schema):
    id: int = Field(description="Round id; use it as `round_id` when creating.")
    code: str = Field(description="Stable code of the round within its call, e.g. `first`.")
    name_ja: str = Field(description="Name in Japanese.")
    name_en: str = Field(description="Name in English.")
    deadline: dt.datetime = Field(
        description="Proposal deadline (ISO 8601, +09:00); a submission at or after it is refused."
    )
    budget_jpy: int | None = Field(description="Budget of the round in yen, if announced.")
    accepting_proposals: bool = Field(description="True while the deadline is in the future.")


class CallOut(Schema):
    id: int = Field(description="Call id.")
    rulebook_id: str = Field(description="The rulebook the call runs, e.g. `c3p/fy2025`.")
    program: Literal["jcm-model-project", "c3p"] = Field(description="The programme.")
    title_ja: str = Field(description="Title in Japanese.")
    title_en: str = Field(description="Title in English.")
    opens_at: dt.datetime = Field(description="Opening of the call (ISO 8601, +09:00).")
    closes_at: dt.datetime = Field(description="Closing of the call (ISO 8601, +09:00).")
    budget_jpy: int | None = Field(description="Budget of the call in yen, if announced.")
    is_open: bool = Field(description="True between `opens_at` (inclusive) and `closes_at`.")
    rounds: list[RoundOut] = Field(description="Rounds in deadline order.")


def round_out(r: Round, now: dt.datetime) -> RoundOut:
    return RoundOut(
        id=r.pk,
        code=r.code,
        name_ja=r.name_ja,
        name_en=r.name_en,
        deadline=jst(r.deadline),
        budget_jpy=r.budget_jpy,
        accepting_proposals=r.deadline > now,
    )


@router.get(
    "/calls",
    auth=None,
    summary="Calls and their rounds",
    operation_id="renkei_api_calls_list",
    **op({200: (list[CallOut], "Every call with its rounds.")}, 422),
)
def calls_list(
    request,
    open_only: Annotated[
        bool, Query(description="Only calls with at least one round still accepting proposals.")
    ] = False,
) -> list[CallOut]:
    """The calls with their rounds and deadlines (12:00 JST). Public: no login needed."""
    now = clock.now()
    result = []
    for call in Call.objects.prefetch_related("rounds").order_by("opens_at", "pk"):
        rounds = [round_out(r, now) for r in call.rounds.all()]
        if open_only and not any(r.accepting_proposals for r in rounds):
            continue
        result.append(
            CallOut(
                id=call.pk,
                rulebook_id=call.rulebook_id,
                program=call.program,
                title_ja=call.title_ja,
                title_en=call.title_en,
                opens_at=jst(call.opens_at),
                closes_at=jst(call.closes_at),
                budget_jpy=call.budget_jpy,
                is_open=call.opens_at <= now < call.closes_at,
                rounds=rounds,
            )
        )
    return result
