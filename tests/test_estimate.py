"""The estimator as a planner uses it: names, divisions, rounds that bracket the target, units, extrapolation."""

from __future__ import annotations

import math

import pytest

from flows.cli import FAILED, OK, USAGE, main
from tests.test_analytics import official
from planner import scaling
from planner.estimate import BadTarget, estimate_inference, estimate_training
from planner.estimate import UnknownName


def _db(con) -> str:
    return con.execute("select file from pragma_database_list where name = current_database()").fetchone()[0]


def test_the_latest_round_that_brackets_the_target_answers_and_says_so(warehouse):
    *_, settings = warehouse
    # v4.0 measured the H100 on unet3d at 8 accelerators only (12.4 min): it cannot bracket 10 minutes; v3.0 can
    t8, t16 = official("v3.0", "XE9680x8H100-SXM-80GB", "unet3d"), official("v3.0", "2xXE9680x8H100-SXM-80GB", "unet3d")
    assert t8 > 10 > t16
    result = estimate_training(settings.db_path, "unet3d", "H100", 10)
    needed = 8 * (t8 / 10) ** (math.log(2) / math.log(t8 / t16))
    assert (result.accelerators, result.systems, result.round) == (math.ceil(needed / 8) * 8, 2, "v3.0")
    assert "v4.0 does not" in result.answer and result.units == "minutes"
    assert "Total: 16 accelerators (2 systems)." in result.text()
    assert len(result.cited) == 2 and all("unet3d" not in c or "v3.0" in c for c in result.cited)


def test_a_target_the_smallest_system_meets_is_an_upper_bound(warehouse):
    *_, settings = warehouse
    result = estimate_training(settings.db_path, "resnet", "H100", 20)
    assert result.accelerators == 8 and "at most 8 accelerators" in result.answer and not result.extrapolated


def test_names_resolve_through_aliases_and_a_miss_lists_the_valid_ones(warehouse):
    *_, settings = warehouse
    retinanet = estimate_training(settings.db_path, "retinanet", "H100-SXM5-80GB", 40)
    assert retinanet.accelerators == 8 and "retinanet within 40 min on H100 SXM 80GB" in retinanet.answer
    assert estimate_training(settings.db_path, "resnet50", "H100", 5).accelerators is not None
    with pytest.raises(UnknownName, match="valid names: .*maskrcnn.*retinanet"):
        estimate_training(settings.db_path, "retinanett", "H100", 5)
    with pytest.raises(UnknownName, match="valid names: .*H100 SXM 80GB"):
        estimate_training(settings.db_path, "resnet", "Z9000", 5)
    unmeasured = estimate_training(settings.db_path, "resnet", "B200", 5)
    assert unmeasured.accelerators is None and "cannot answer" in unmeasured.answer


def test_bad_targets_and_names_are_usage_mistakes(warehouse, capsys):
    *_, settings = warehouse
    base = ["estimate", "--db", str(settings.db_path), "--suite", "training", "--benchmark", "resnet",
            "--accelerator", "H100"]
    for target in ("0", "-3", "nan"):
        with pytest.raises(BadTarget):
            estimate_training(settings.db_path, "resnet", "H100", float(target))
        assert main(base + ["--target-minutes", target]) == USAGE
        assert "must be a positive number" in capsys.readouterr().err
    assert main(base[:6] + ["retinanett", "--accelerator", "H100", "--target-minutes", "5"]) == USAGE
    assert "valid names:" in capsys.readouterr().err
    assert main(base + ["--target-minutes", "5"]) == OK
    assert "accelerators" in capsys.readouterr().out


def test_beyond_the_measured_sizes_only_on_request_and_labelled(warehouse):
    *_, settings = warehouse
    refused = estimate_training(settings.db_path, "resnet", "H100", 0.1)
    assert refused.accelerators is None and "--extrapolate" in refused.answer
    # two points (8 → 13.22 min, 2528 → 0.23 min): Amdahl, whose serial part (≈ 0.19 min) no count removes
    floor = estimate_training(settings.db_path, "resnet", "H100", 0.1, extrapolate=True)
    assert floor.accelerators is None and "no number of accelerators reaches 0.1 min" in floor.answer
    result = estimate_training(settings.db_path, "resnet", "H100", 0.2, extrapolate=True)
    assert result.extrapolated and result.answer.startswith("EXTRAPOLATION") and "EXTRAPOLATED" in result.text()
    assert result.accelerators > 2528 and result.round == "v4.0"
    assert "8 → 13.22 min" in result.answer and "2528 → 0.23 min" in result.answer  # the points it used
    assert len(result.cited) == 2


def test_scaling_laws_recover_a_known_curve_and_choose_by_fit():
    amdahl = [(n, 2.0 + 400 / n) for n in (8, 16, 64, 256)]
    law, why = scaling.choose(amdahl)
    assert law.form == "Amdahl" and law.a == pytest.approx(2.0) and law.b == pytest.approx(400)
    assert "fits the 4 points better" in why
    power = [(n, 300 * n ** -0.9) for n in (8, 16, 64, 256)]
    law, _ = scaling.choose(power)
    assert law.form == "power law" and law.b == pytest.approx(0.9)
    assert scaling.accelerators_within(law, law.minutes(1024), 256) == pytest.approx(1024, rel=1e-6)
    held = scaling.holdout_error(amdahl)
    assert held[0] == pytest.approx(0, abs=1e-9) and held[1] == pytest.approx(math.log(4))
    assert scaling.falling([(8, 10), (16, 12), (32, 4)]) == [(8, 10), (32, 4)]
    assert scaling.band([0.1] * 4) is None and scaling.band([0.0, 0.1, 0.2, 0.3, 0.4]) == pytest.approx((0.04, 0.36))


def test_inference_uses_one_division_and_states_its_unit(inference_warehouse):
    con, _ = inference_warehouse
    db = _db(con)
    result = estimate_inference(db, "resnet50", "Server", 2_000_000, "H100", "v4.1")
    assert (result.systems, result.accelerators, result.units) == (math.ceil(2_000_000 / 584207.0), 32, "Queries/s")
    assert "2,000,000 Queries/s (closed division)" in result.answer and " closed/" in result.cited[0]
    open_rows = con.execute("select count(*) from inference_per_accelerator where division = 'open'").fetchone()[0]
    assert open_rows > 0
    for model, scenario in con.execute("""select distinct model, scenario from inference_per_accelerator
                                          where division = 'closed' order by all""").fetchall():
        answer = estimate_inference(db, model, scenario, 1000)
        assert answer.accelerators is None or " closed/" in answer.cited[0], (model, scenario)
    wrong_unit = estimate_inference(db, "resnet", "Server", 1000, units="Tokens/s")
    assert wrong_unit.accelerators is None and "in Tokens/s" in wrong_unit.answer


def test_inference_cli_mistakes(inference_warehouse, capsys):
    con, _ = inference_warehouse
    base = ["estimate", "--db", _db(con), "--suite", "inference", "--model", "resnet", "--scenario", "Server"]
    assert main(base + ["--target", "0"]) == USAGE
    assert main(base[:6] + ["resnet-9000", "--scenario", "Server", "--target", "5"]) == USAGE
    assert "valid names:" in capsys.readouterr().err
    assert main(base + ["--target", "100", "--accelerator", "B200"]) == FAILED  # mapped, but not measured here
    assert "cannot answer" in capsys.readouterr().out


def test_an_open_result_in_another_unit_is_never_compared_silently(inference_warehouse):
    con, _ = inference_warehouse
    db = _db(con)
    # an open submission maps its model to llama2-70b-99.9 but reports Server in Queries/s, not the official Tokens/s
    refused = estimate_inference(db, "llama2-70b-99.9", "Server", 1000, division="open")
    assert refused.accelerators is None and "in Tokens/s" in refused.answer and "--units Queries/s" in refused.answer
    asked = estimate_inference(db, "llama2-70b-99.9", "Server", 1000, division="open", units="Queries/s")
    assert asked.units == "Queries/s" and "(open division)" in asked.answer and " open/" in asked.cited[0]
    closed = estimate_inference(db, "llama2-70b-99.9", "Server", 1000)
    assert closed.units == "Tokens/s" and " closed/" in closed.cited[0]


def test_whole_systems_with_the_fewest_accelerators_and_the_other_sizes_named():
    from planner import sizing

    def candidate(name, accelerators, result):
        return sizing.Candidate("v5.1", "S", name, "H100", accelerators, result)

    # the seed's question: 50,000 tokens/s; the 32-GPU cluster is best per accelerator but over-provisions
    server, cluster, card = candidate("8x", 8, 27_000), candidate("32x", 32, 122_274), candidate("1x", 1, 3_000)
    best, others = sizing.size([cluster, server, card], 50_000)
    assert (best.candidate, best.systems, best.accelerators) == (server, 2, 16)
    assert [(p.candidate.system, p.systems, p.accelerators) for p in others] == [("1x", 17, 17), ("32x", 1, 32)]
    assert sizing.plural(1, "system") == "1 system" and sizing.plural(2_528, "accelerator") == "2,528 accelerators"
    assert sizing.step(64, 2_528) == "64 → 2,528 accelerators, a 39.5× step"
