"""The accelerator map: reference data that names the canonical chip behind each spelling (a CSV users can extend)."""

from __future__ import annotations

from pathlib import Path

import polars as pl

from transform.common.validate import polars_schema

DEFAULT_MAP = Path(__file__).resolve().parents[2] / "warehouse" / "seeds" / "accelerators.csv"


def accelerator_models(path: Path) -> pl.DataFrame:
    schema = polars_schema("accelerator_models")
    frame = pl.read_csv(path, schema_overrides={"memory_gb": pl.Float64}, infer_schema_length=0)
    frame = frame.rename({"model": "chip"}, strict=False)  # a map copied before `model` was renamed `chip`
    return frame.with_row_index("priority").select(
        [pl.col(name).cast(dtype) for name, dtype in schema.items()]
    )
