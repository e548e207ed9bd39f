"""The selection optimiser on the office's selection board (issue 13): the round's real data as
the optimiser's input, runs stored with their inputs and reproduced, bad constraints refused
naming the constraint (never a 500, nothing typed lost), an infeasible set of constraints
named, the page and the API."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from adoptionfactories_optimiser import board_round, small_round  # noqa: F401 (fixtures)
from django.urls import reverse
from test_api import client_for, post_json

from renkei.adoption import optimiser
from renkei.adoption.models import OptimiserRun
from renkei.audit.models import AuditEvent
from renkei.proposals.assessed import latest_versions, version_assessment
from renkei.reviews.reviewing import review_totals
from renkei.selection.optimiser import Limit
from renkei.services import NotAllowed, ServiceError

pytestmark = pytest.mark.django_db


def _pk(board, country, tech) -> str:
    rows = optimiser.round_rows(board["office"], board["round"])
    return next(
        r.candidate.id
        for r in rows
        if r.candidate.country == country and tech in r.candidate.technologies
    )


def test_the_problem_is_the_rounds_real_data(board_round):  # noqa: F811
    chosen, office = board_round["round"], board_round["office"]
    rows = optimiser.round_rows(office, chosen)
    assert len(rows) == 6
    proposals = [r.proposal for r in rows]
    latest = latest_versions(proposals)
    totals = review_totals(proposals, latest)
    for r in rows:
        figures = version_assessment(latest[r.proposal.pk])["figures"]
        assert r.candidate.subsidy_jpy == figures["subsidy_jpy"] > 0
        assert r.candidate.lifetime_tco2 == int(Decimal(figures["lifetime_reduction_tco2"]))
        assert r.candidate.country == r.proposal.country
        assert sum(p.subsidy_jpy for p in r.candidate.technology_parts) == figures["subsidy_jpy"]
        assert r.candidate.similar_adopted is not None  # annex 3's count, as assessed
        if r.candidate.screening_passed:
            assert r.candidate.score == totals[r.proposal.pk]
    assert [r.proposal.country for r in rows if not r.candidate.screening_passed] == ["VN"]
    budgets = optimiser.budgets_of(chosen)
    assert budgets.round_jpy == budgets.round_budget_jpy == 300_000_000
    assert budgets.eco_lease_jpy == budgets.eco_lease_cap_jpy == 500_000_000  # 2.(8)
    problem = optimiser.problem_for_round(chosen, optimiser.Settings(), rows, budgets)
    assert problem.constraints.round_budget_jpy == 300_000_000
    assert {p.id for p in problem.proposals} == {r.candidate.id for r in rows}


def test_a_run_is_stored_with_its_inputs_and_reproduces(board_round):  # noqa: F811
    chosen, office = board_round["round"], board_round["office"]
    run = optimiser.optimiser_run(actor=office, round=chosen, settings=optimiser.Settings())
    assert run.status == "optimal" and run.gap == 0
    assert re.fullmatch(r"sha256:[0-9a-f]{64}", run.fingerprint)
    assert run.inputs["model"] == "renkei.selection.optimiser/1"
    result = run.result
    # the ranking funds the 160M boiler in Thailand and stops at the 58M boiler in Indonesia
    # with 22M left; the optimiser leaves the Thai boiler for the Indonesian boiler and the
    # Mongolian transformer, which together score more
    transformer, boiler = _pk(board_round, "MN", "transformer"), _pk(board_round, "ID", "boiler")
    thai = _pk(board_round, "TH", "boiler")
    assert thai in result["ranking"]["ids"] and thai not in result["optimiser"]["ids"]
    assert [d["id"] for d in result["only_optimiser"]] == [boiler, transformer]
    assert {r["code"] for r in result["only_optimiser"][0]["reasons"]} == {"below_funding_line"}
    assert [d["id"] for d in result["only_ranking"]] == [thai]
    (full,) = result["only_ranking"][0]["reasons"]  # no room for it beside the other four
    assert full["code"] == "constraint_full" and full["params"]["constraint"] == "budget.round"
    assert result["optimiser"]["subsidy_jpy"] == 206_000_000
    assert [d["id"] for d in result["excluded"]] == [_pk(board_round, "VN", "boiler")]
    assert Decimal(result["optimiser"]["score"]) > Decimal(result["ranking"]["score"])
    event = AuditEvent.objects.get(action="optimiser_run", object_id=str(run.pk))
    assert event.payload["fingerprint"] == run.fingerprint
    # the round's data changes afterwards: a re-run uses the stored inputs, not today's data
    chosen.budget_jpy = 100_000_000
    chosen.save()
    again = optimiser.optimiser_rerun(actor=office, run=run)
    assert again.same_result is True and again.reproduces == run
    assert again.fingerprint == run.fingerprint
    assert optimiser.reproducible(again.result) == optimiser.reproducible(run.result)
    # another objective on the same data trades proposals, with reasons
    tco2 = optimiser.optimiser_run(
        actor=office, round=chosen, settings=optimiser.Settings(objective="tco2")
    )
    assert tco2.fingerprint != run.fingerprint
    assert tco2.result["constraints"][0]["hi"] == 100_000_000
    assert sum(p["subsidy_jpy"] for p in tco2.inputs["proposals"]) > 100_000_000


def test_bad_constraints_are_refused_naming_each_and_nothing_is_stored(board_round):  # noqa: F811
    chosen, office = board_round["round"], board_round["office"]
    settings = optimiser.Settings(
        limits=(
            ("country", Limit("FR", max=1)),  # no candidate in France
            ("country", Limit("MN", min=3)),  # only two candidates in Mongolia
            ("technology", Limit("boiler", min=2, max=1)),
        ),
        fixed={"999999": "in"},
        objective="score_with_tco2_floor",  # without a floor
    )
    with pytest.raises(ServiceError) as refused:
        optimiser.optimiser_run(actor=office, round=chosen, settings=settings)
    errors = "\n".join(refused.value.errors)
    assert "“country FR max 1”: no candidate of this round has FR" in errors
    assert "“country MN min 3”: at least 3 asked, but only 2 candidate(s)" in errors
    assert "“technology boiler min 2 max 1”: the minimum is larger than the maximum" in errors
    assert "Proposal 999999 is fixed in but is not a candidate of this round" in errors
    assert "needs a tCO2 floor" in errors
    assert not OptimiserRun.objects.exists()
    with pytest.raises(NotAllowed):
        optimiser.optimiser_run(
            actor=board_round["users"]["reviewer"], round=chosen, settings=optimiser.Settings()
        )


def test_infeasible_constraints_are_a_stored_result_naming_the_conflict(board_round):  # noqa: F811
    chosen, office = board_round["round"], board_round["office"]
    run = optimiser.optimiser_run(
        actor=office,
        round=chosen,
        settings=optimiser.Settings(
            limits=(("technology", Limit("boiler", min=2)), ("country", Limit("TH", max=0)))
        ),
    )
    assert run.status == "infeasible" and run.result["optimiser"] is None
    assert {c["id"] for c in run.result["conflicts"]} == {
        "technology.min:boiler",
        "country.max:TH",
    }
    client = client_for(office)
    page = client.get(reverse("adoption:selection_board_run", args=[run.pk])).content.decode()
    assert "No portfolio meets every constraint" in page
    assert "“at least 2 with technology boiler” cannot hold" in page


def test_the_board_runs_shows_the_difference_and_keeps_what_was_typed(board_round):  # noqa: F811
    chosen, office = board_round["round"], board_round["office"]
    client = client_for(office)
    url = reverse("adoption:selection_board") + f"?round={chosen.pk}"
    page = client.get(url).content.decode()
    assert "A decision aid: the office decides." in page
    for beside in (reverse("reviews:ranking"), reverse("adoption:board")):  # linked from both
        assert f'href="{url}"' in client.get(beside + f"?round={chosen.pk}").content.decode()
    assert page.count('name="fixed_') == 6
    transformer = _pk(board_round, "MN", "transformer")
    heat_pump = _pk(board_round, "TH", "heat_pump")
    # bad constraints: the page comes back as typed, with the messages, nothing stored
    typed = {
        "objective": "tco2",
        "tco2_floor": "1000",
        "limits": "country MN max 1\ncountry FR max 2",
        "time_limit_s": "5",
        f"fixed_{heat_pump}": "out",
    }
    refused = client.post(url, typed)
    assert refused.status_code == 400
    text = refused.content.decode()
    assert "“country FR max 2”: no candidate of this round has FR" in text
    assert "country MN max 1\ncountry FR max 2</textarea>" in text
    assert f'name="fixed_{heat_pump}"' in text and '<option value="out" selected>' in text
    assert 'value="1000"' in text
    garbled = client.post(url, {**typed, "limits": "at most two in Mongolia"})
    assert garbled.status_code == 400
    assert "Line 1 “at most two in Mongolia” is not a limit" in garbled.content.decode()
    assert not OptimiserRun.objects.exists()
    # a run: stored, shown with what differs and why, the charts and the stored inputs
    done = client.post(url, {**typed, "limits": "country TH max 1", "objective": "score"})
    run = OptimiserRun.objects.get()
    assert done.status_code == 302
    assert done["Location"] == reverse("adoption:selection_board_run", args=[run.pk])
    assert run.inputs["constraints"]["countries"] == [{"key": "TH", "min": None, "max": 1}]
    fixed = {p["id"]: p["fixed"] for p in run.inputs["proposals"]}
    assert fixed[heat_pump] == "out"
    shown = client.get(done["Location"]).content.decode()
    assert "Only in the optimiser&#x27;s set" in shown or "Only in the optimiser's set" in shown
    assert "fixed out by the office" in shown
    assert "at most 1 in country TH" in shown
    assert shown.count("<svg") == 3  # budget, by country, by technology
    assert "Balance by country" in shown and "Balance by technology" in shown
    assert "country TH max 1</textarea>" in shown  # the run's constraints, shown again
    # at most one in Thailand and the heat pump out: the Thai boiler stays, the Indonesian one
    # comes in
    assert _pk(board_round, "ID", "boiler") in run.result["optimiser"]["ids"]
    assert transformer not in run.result["optimiser"]["ids"]
    # reproduced from the stored inputs
    again = client.post(reverse("adoption:selection_board_rerun", args=[run.pk]))
    rerun = OptimiserRun.objects.get(reproduces=run)
    assert again["Location"] == reverse("adoption:selection_board_run", args=[rerun.pk])
    assert rerun.same_result is True
    listed = client.get(again["Location"]).content.decode()
    assert "the same result" in listed


def test_the_api_runs_lists_reads_and_reruns(small_round):  # noqa: F811
    chosen, office = small_round["round"], small_round["office"]
    client = client_for(office)
    base = f"/api/rounds/{chosen.pk}/selection-optimiser/runs"
    refused = post_json(
        client, base, {"limits": [{"kind": "country", "key": "fr", "max": 1}], "fixed_in": [999999]}
    )
    assert refused.status_code == 422
    body = refused.json()
    assert any("“country FR max 1”: no candidate of this round has FR" in e for e in body["errors"])
    assert any("is fixed in but is not a candidate" in e for e in body["errors"])
    made = post_json(
        client,
        base,
        {
            "objective": "tco2",
            "limits": [{"kind": "technology", "key": "solar_pv", "min": 1}],
            "time_limit_s": "5",
        },
    )
    assert made.status_code == 201, made.content
    run = made.json()
    assert run["status"] == "optimal" and run["objective"] == "tco2"
    assert run["inputs"]["constraints"]["technologies"] == [
        {"key": "solar_pv", "min": 1, "max": None}
    ]
    assert len(run["optimiser_ids"]) == 2  # both fit the 300M budget
    listed = client.get(base).json()
    assert [r["id"] for r in listed] == [run["id"]]
    one = client.get(f"/api/selection-optimiser/runs/{run['id']}").json()
    assert one["fingerprint"] == run["fingerprint"] and one["result"] == run["result"]
    again = client.post(f"/api/selection-optimiser/runs/{run['id']}/rerun")
    assert again.status_code == 201
    assert again.json()["same_result"] is True and again.json()["reproduces"] == run["id"]
    for seconds in ("100", "0", 0):
        slow = post_json(client, base, {"time_limit_s": seconds})
        assert slow.status_code == 422, seconds
        assert "The time limit must be between 0.1 and 60 seconds" in slow.json()["errors"][0]
    nan = post_json(client, base, {"time_limit_s": "NaN"})
    assert nan.status_code == 422 and "time_limit_s" in nan.json()["errors"][0]
    both = post_json(client, base, {"fixed_in": [1], "fixed_out": [1]})
    assert both.status_code == 422 and "fixed both in and out" in both.json()["detail"]


@pytest.mark.parametrize(
    "line",
    [
        "country",  # nothing counted
        "country VN",  # no bound
        "country VN max",  # no number
        "country VN max two",
        "country VN max -1",
        "country VN max 1 max 2",  # the same bound twice
        "region ASIA max 2",  # not a kind
        "country VN most 2",
    ],
)
def test_a_line_that_is_not_a_limit_is_named(line) -> None:
    limits, errors = optimiser.parse_limits(f"country KE max 1\n{line}")
    assert limits == (("country", Limit("KE", None, 1)),)
    assert errors == [
        f"Line 2 “{line}” is not a limit: write “country VN max 2”, “technology solar_pv min 1” "
        "or “pair VN/solar_pv min 1 max 3” (a kind, what it counts, then min and/or max with a "
        "whole number)."
    ]


def test_limits_are_read_with_country_codes_in_capitals() -> None:
    limits, errors = optimiser.parse_limits(
        "# a comment\n\ncountry vn min 1 max 2\ntechnology solar_pv min 1\npair th/boiler max 0"
    )
    assert errors == []
    assert limits == (
        ("country", Limit("VN", 1, 2)),
        ("technology", Limit("solar_pv", 1, None)),
        ("pair", Limit("TH/boiler", None, 0)),
    )
    assert [optimiser.limit_line(k, x) for k, x in limits] == [
        "country VN min 1 max 2",
        "technology solar_pv min 1",
        "pair TH/boiler max 0",
    ]


def test_without_a_budget_the_office_is_told_to_set_one(first_round) -> None:
    first_round.budget_jpy = None
    none = optimiser.Budgets(None, None, None, None, None, None)
    with pytest.raises(ServiceError, match="Set the budget of the round or the call"):
        optimiser.problem_for_round(first_round, optimiser.Settings(), [], none)
