"""The accelerator map against every accelerator name of every fixture and of the whole rounds (the committed list
docs/accelerator_names.csv, written by benchmarks.accelerator_names): none unmapped, none filed under a chip its
name contradicts; and a map that cannot be used is refused before any run."""

from __future__ import annotations

import csv
import re
from pathlib import Path

import pytest

from extract.discover import _PATTERNS, FileRef, Kind
from flows.settings import SettingsError, load_settings
from tests.conftest import FIXTURES
from transform.common.accelerators import DEFAULT_MAP, NOT_A_CHIP, classify, load_map
from transform.common.parse_files import parse_file

NAMES = Path(__file__).resolve().parents[1] / "docs" / "accelerator_names.csv"
# Chips whose names hold one another (GB200 holds B200) or that one round's racks mix: a name holding one of these
# must be filed under the longest one it holds, and a name holding two different ones is 'mixed'.
KEYS = ("gb300", "gb200", "b300", "b200", "gh200", "h200", "h100", "a100", "a30", "v100",
        "mi300x", "mi325x", "mi350x", "mi355x", "tpuv2", "tpuv3", "tpuv4", "tpuv5p", "tpuv5e", "trillium", "tpuv6")


def _fixture_names() -> list[str]:
    names = []
    for root in sorted(FIXTURES.iterdir()):
        suite, round_ = root.name.split("_results_")
        for path in sorted(p for p in root.rglob("*.json") if p.is_file()):
            relative = path.relative_to(root).as_posix()
            kind = next((k for rx, k in _PATTERNS[suite] if rx.fullmatch(relative)), None)
            if kind not in (Kind.SYSTEM, Kind.TRAINING_ENTRY):
                continue
            data = path.read_bytes()
            out = parse_file(suite, round_, "0" * 40, FileRef(relative, "0" * 40, kind), len(data), data, 1 << 26)
            names += [row["accelerator_model_name"] for row in out.systems]
    return names


def _whole_round_names() -> list[str]:
    with NAMES.open() as f:
        return [row["accelerator_model_name"] for row in csv.DictReader(f)]


def _contradiction(name: str, hit: dict) -> str | None:
    key = re.sub(r"[\s_-]", "", (name or "").lower())  # "80GB (300W)" holds no GB300
    held = [k for k in KEYS if k in key]
    held = {k for k in held if not any(k != other and k in other for other in held)}  # gb200 holds b200
    chip = re.sub(r"[^a-z0-9]", "", hit["chip"].lower())
    if len(held) > 1 and hit["chip"] != "mixed":
        return f"holds {sorted(held)}, filed under {hit['chip']}"
    if len(held) == 1 and hit["chip"] not in NOT_A_CHIP and next(iter(held)) not in chip:
        if not (next(iter(held)) == "tpuv6" and hit["chip"] == "TPU Trillium"):
            return f"holds {held}, filed under {hit['chip']}"
    return None


@pytest.mark.parametrize("source", ["fixtures", "whole rounds"])
def test_every_name_maps_to_a_chip_it_does_not_contradict(source):
    names = _fixture_names() if source == "fixtures" else _whole_round_names()
    rows = load_map(DEFAULT_MAP)
    assert len(names) > (100 if source == "fixtures" else 400)
    unmapped = sorted({n for n in names if classify(n, rows) is None})
    assert unmapped == []
    wrong = {n: why for n in set(names) if (why := _contradiction(n, classify(n, rows)))}
    assert wrong == {}


def test_issue_cases():
    rows = load_map(DEFAULT_MAP)
    chip = {name: classify(name, rows)["chip"] for name in (
        "NVIDIA GB200", "NVIDIA Blackwell GPU (GB200)", "NVIDIA B200-SXM-180GB", "NVIDIA GB300",
        "NVIDIA Blackwell Ultra GPU (B300-SXM-270GB)", "AMD Instinct MI325X 256GB HBM3E (x16), AMD Instinct MI300X 192GB HBM3 (x8)",
        "AMD Instinct MI355X 288GB HBM3e", "AMD Instinct MI350X", "TPU-trillium", "NVIDIA RTX PRO 6000 Blackwell Server Edition",
        "N/A", "TPU")}
    assert list(chip.values()) == ["GB200", "GB200", "B200", "GB300", "B300", "mixed", "MI355X", "MI350X",
                                   "TPU Trillium", "RTX Pro 6000 Blackwell", "CPU only", "unknown"]
    # v0.5's TPU pods: the slice in the name is the system's total, not 64 hosts × 512
    with NAMES.open() as f:
        pods = {r["accelerator_model_name"]: int(r["accelerators"]) for r in csv.DictReader(f) if r["round"] == "v0.5"}
    assert (pods["tpuv2-512"], pods["tpuv3-512"]) == (512, 512)


@pytest.mark.parametrize(("text", "said"), [
    ("pattern,vendor,family\nh100,NVIDIA,Hopper\n", "missing column 'chip'"),
    ("pattern,vendor,family,chip\nh100,NVIDIA,Hopper,\n", "line 2: no chip"),
    ("pattern,vendor,family,chip\n(h100,NVIDIA,Hopper,H100\n", "line 2: invalid pattern '(h100'"),
    ("pattern,vendor,family,chip\n(?=h100),NVIDIA,Hopper,H100\n", "line 2: invalid pattern '(?=h100)'"),  # Python's, not RE2's
    ("pattern,vendor,family,chip\nx.*y,AMD,CDNA3,mixed\n", "'mixed' needs a reason"),
    (None, "not a file"),
])
def test_a_bad_map_is_refused_before_the_run(tmp_path, text, said):
    path = tmp_path / "map.csv"
    if text is None:
        path.mkdir()
    else:
        path.write_text(text)
    with pytest.raises(SettingsError, match=re.escape(said)) as refused:
        load_settings({"accelerator_map": path}, {})
    assert "\n" not in str(refused.value)


def test_the_summary_names_what_a_run_could_not_map(tmp_path):
    import polars as pl

    from flows.summary import Summary
    from transform.common.accelerators import unmapped

    systems = pl.DataFrame({"accelerator_model_name": ["NVIDIA GB300", "Acme Z1", "Acme Z1", None, "N/A"]})
    summary = Summary(unmapped_accelerators=unmapped(systems, DEFAULT_MAP))
    assert summary.unmapped_accelerators == {"Acme Z1": 2}
    assert "Accelerators not in the map (see unmapped_accelerators): 'Acme Z1' 2" in summary.text(tmp_path / "w.duckdb")
