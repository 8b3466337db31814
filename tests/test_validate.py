"""Validation's one-query fast path: it passes a frame only where pandera passes it, and leaves every failure to
pandera, which says what failed (transform/common/validate.py)."""

from __future__ import annotations

import math

import polars as pl
import pytest

from transform.common.schemas import TABLES
from transform.common.validate import _all_pass, polars_schema, validate


def _frames(con) -> dict[str, pl.DataFrame]:
    """Every table of a real warehouse that holds rows, typed as its model declares (on a cursor of its own: the
    session's connection is shared with other tests)."""
    out, cursor = {}, con.cursor()
    for table in TABLES:
        frame = pl.from_arrow(cursor.sql(f'select * from "{table}"').to_arrow_table())
        if frame.height:
            out[table] = frame.cast(dict(polars_schema(table)))
    return out


def test_real_tables_pass_as_pandera_passes_them(warehouse, inference_warehouse):
    frames = _frames(warehouse[0]) | {f"{t} (inference)": f for t, f in _frames(inference_warehouse[0]).items()}
    assert {"training_runs", "training_evals", "inference_results (inference)", "rejects"} <= frames.keys()
    for name, frame in frames.items():
        table = name.removesuffix(" (inference)")
        assert _all_pass(table, frame), name
        TABLES[table].validate(frame, lazy=True)  # pandera agrees: no SchemaErrors


RUN_MUTATIONS = {
    "a value below its ge bound": lambda f: f.with_columns(pl.when(pl.int_range(pl.len()) == 0).then(-1)
                                                             .otherwise(pl.col("eval_count")).alias("eval_count")),
    "a value outside isin": lambda f: f.with_columns(pl.when(pl.int_range(pl.len()) == 0).then(pl.lit("inference"))
                                                       .otherwise(pl.col("suite")).alias("suite")),
    "a value str_matches refuses": lambda f: f.with_columns(pl.when(pl.int_range(pl.len()) == 0).then(pl.lit("4.0"))
                                                              .otherwise(pl.col("round")).alias("round")),
    "a null where none may be": lambda f: f.with_columns(pl.when(pl.int_range(pl.len()) == 0).then(None)
                                                           .otherwise(pl.col("submitter")).alias("submitter")),
    "a NaN in a float column that may hold no null": lambda f: f.with_columns(
        pl.when(pl.int_range(pl.len()) == 0).then(math.nan).otherwise(pl.col("time_to_train_minutes"))
        .alias("time_to_train_minutes")),
    "two rows sharing their unique key": lambda f: pl.concat([f, f.head(1)]),
    "a failed dataframe check": lambda f: f.with_columns(pl.when(pl.int_range(pl.len()) == 0)
                                                           .then(pl.col("run_start_ms") - 1)
                                                           .otherwise(pl.col("run_stop_ms")).alias("run_stop_ms")),
}


@pytest.mark.parametrize("mutation", RUN_MUTATIONS)
def test_every_kind_of_failure_is_left_to_pandera(warehouse, mutation):
    runs = _frames(warehouse[0])["training_runs"]
    broken = RUN_MUTATIONS[mutation](runs)
    assert list(broken.schema.items()) == list(runs.schema.items())
    assert not _all_pass("training_runs", broken)
    valid, rejects = validate("training_runs", broken)
    assert rejects and valid.height < broken.height  # pandera found the row and said why


def test_a_frame_not_shaped_as_declared_is_left_to_pandera(warehouse):
    runs = _frames(warehouse[0])["training_runs"]
    assert not _all_pass("training_runs", runs.with_columns(pl.col("eval_count").cast(pl.Int32)))
    assert not _all_pass("training_runs", runs.with_columns(extra=pl.lit(1)))
    assert not _all_pass("training_runs", runs.select(list(reversed(runs.columns))))
