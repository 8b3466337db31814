"""Validate a table against its pandera model; rows that fail go to rejects with the failed check, the rest pass."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import cache, partial
from types import MappingProxyType

import polars as pl
import pandera.polars as pa
from pandera.api.polars.types import PolarsData
from pandera.errors import SchemaErrors

from transform.common.schemas import TABLES


@cache  # pandera builds a model's schema once per thread (tenths of a second for all the tables): once per process
def polars_schema(table: str) -> Mapping[str, pl.DataType]:
    return MappingProxyType({name: col.dtype.type for name, col in TABLES[table].to_schema().columns.items()})


def to_frame(table: str, rows: list[dict], rejects: list[dict] | None = None,
             extra: dict[str, pl.DataType] | None = None) -> pl.DataFrame:
    """Rows (dicts) to a frame with exactly the table's columns (and `extra` ones) and types. A row whose value does
    not fit its column's type (say an integer beyond 64 bits) goes to `rejects` instead of failing the whole table."""
    schema = polars_schema(table) | (extra or {})
    try:
        return pl.DataFrame(rows, schema=schema, orient="row")
    except (pl.exceptions.PolarsError, OverflowError, TypeError, ValueError):
        if rejects is None:
            raise
    good = []
    for row in rows:
        try:
            pl.DataFrame([row], schema=schema, orient="row")
            good.append(row)
        except (pl.exceptions.PolarsError, OverflowError, TypeError, ValueError) as exc:
            rejects.append({
                "suite": row.get("suite") or "", "round": row.get("round") or "",
                "source_path": row.get("source_path") or "", "source_commit": row.get("source_commit") or "",
                "stage": "validate", "reason": f"{table}: a value does not fit its column type ({str(exc).splitlines()[0][:200]})",
            })
    return pl.DataFrame(good, schema=schema, orient="row")


@dataclass(frozen=True)
class _Rules:
    """What pandera checks of a table's model, as plain data and functions: the model's own checks, read once."""

    not_null: tuple[str, ...]  # columns that may hold neither null nor, in a float column, NaN
    checks: tuple[tuple[str, Callable[[PolarsData], pl.LazyFrame], bool], ...]  # (column or "*", check, ignore_na)
    unique: tuple[tuple[str, ...], ...]  # column sets whose values no two rows may share


@cache
def _rules(table: str) -> _Rules | None:
    """The model's checks as _Rules, or None when it declares anything the fast path below does not decide alike
    (coercion, an element-wise check), or when pandera's checks cannot be read as this code reads them (they are
    pandera's internals: another version may keep them otherwise): such a table is always validated by pandera."""
    try:
        return _read_rules(table)
    except Exception:  # noqa: BLE001 -- pandera validates, as it would without the fast path
        return None


def _read_rules(table: str) -> _Rules | None:
    import pandera.backends.polars.builtin_checks  # noqa: F401 -- the builtin checks' polars code, as validation loads it

    schema = TABLES[table].to_schema()
    columns = schema.columns.values()
    checks = [(column.name, check) for column in columns for check in column.checks] + [("*", c) for c in schema.checks]
    if schema.coerce or any(column.coerce or column.unique for column in columns) or any(
            check.element_wise or check.groupby is not None for _, check in checks):
        return None
    unique = schema.unique or []
    return _Rules(
        not_null=tuple(column.name for column in columns if not column.nullable),
        checks=tuple((key, partial(_check_fn(check), **check._check_kwargs), check.ignore_na) for key, check in checks),
        # one column set, or several (pandera's two spellings)
        unique=tuple(tuple(s) for s in ([unique] if all(isinstance(u, str) for u in unique) else unique) if s))


def _check_fn(check: pa.Check) -> Callable:
    """A check's function as pandera calls it: a builtin one looked up again by name (its implementation for polars
    frames may have been registered after the check was made)."""
    name = getattr(check._check_fn, "__name__", None)
    return check.get_builtin_check_fn(name) if name is not None and check.is_builtin_check(name) else check._check_fn


def _all_pass(table: str, df: pl.DataFrame) -> bool:
    """Whether pandera would find nothing wrong with `df`, decided in one query over the frame: pandera runs a query
    per column and per check (some 500 for a training submitter's tables: 0.13 s of a one-file refresh, most of it
    fixed cost). False means "ask pandera", which then says what failed: this never rejects a row itself.

    The same decisions as pandera's polars backend: the columns and their types exactly as declared (strict), no
    null (nor NaN in a float column) where the model forbids it, every check's output true or null (ignore_na; false
    counts where it does not), no two rows sharing a `unique` column set (polars' is_duplicated, as pandera's)."""
    rules = _rules(table)
    if rules is None or list(df.schema.items()) != list(polars_schema(table).items()):
        return False
    try:
        return _passes(rules, df)
    except Exception:  # noqa: BLE001 -- whatever fails here, pandera validates and says it
        return False


def _passes(rules: _Rules, df: pl.DataFrame) -> bool:
    frame = df.lazy()
    outputs = [frame.select((pl.col(c).is_not_null() & pl.col(c).is_not_nan()) if df.schema[c].is_float()
                            else pl.col(c).is_not_null()) for c in rules.not_null]
    for key, check, ignore_na in rules.checks:
        out = check(PolarsData(frame, key))
        if not isinstance(out, pl.LazyFrame) or len(out.collect_schema()) != 1:
            return False  # a check that answers otherwise is pandera's to read
        result = pl.col(out.collect_schema().names()[0])
        outputs.append(out.select(result | result.is_null() if ignore_na else result.fill_null(False)))
    if outputs:
        named = [out.select(pl.all().alias(f"c{n}")) for n, out in enumerate(outputs)]
        if not all(pl.concat(named, how="horizontal").select(pl.all().all()).collect().row(0)):
            return False
    return not any(df.select(list(subset)).is_duplicated().any() for subset in rules.unique)


def validate(table: str, df: pl.DataFrame) -> tuple[pl.DataFrame, list[dict]]:
    """Return the valid rows and one reject per invalid row (reason: every check it failed)."""
    model: type[pa.DataFrameModel] = TABLES[table]
    if df.is_empty() and list(df.schema.items()) == list(polars_schema(table).items()):
        return df, []  # no row to fail a check, the columns as declared: what pandera would hand back, in no time
    if _all_pass(table, df):
        return df, []  # what pandera would hand back: the frame, every row valid
    try:
        return model.validate(df, lazy=True), []
    except SchemaErrors as errors:
        cases = errors.failure_cases
    if cases["index"].null_count():
        # A schema-level failure (missing column, wrong dtype) is a bug of ours, not bad input.
        raise RuntimeError(f"{table}: frame does not match its model:\n{cases.filter(pl.col('index').is_null())}")
    reasons = (
        cases.with_columns(
            text=pl.format("{} failed {} (value: {})", pl.col("column"), pl.col("check"), pl.col("failure_case").str.slice(0, 200))
        )
        .group_by("index")
        .agg(pl.col("text").str.join("; "))
    )
    bad = df.with_row_index("index").with_columns(pl.col("index").cast(pl.Int32)).join(reasons, on="index")
    rejects = [
        {
            "suite": row.get("suite", ""),
            "round": row.get("round", ""),
            "source_path": row.get("source_path") or "",
            "source_commit": row.get("source_commit") or "",
            "stage": "validate",
            "reason": f"{table}: {row['text']}",
        }
        for row in bad.iter_rows(named=True)
    ]
    good = df.with_row_index("index").filter(~pl.col("index").cast(pl.Int32).is_in(bad["index"].implode())).drop("index")
    return model.validate(good, lazy=True), rejects
