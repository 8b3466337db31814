"""Every mart, rebuilt on the staging layer, returns the rows it returned before (the SQL of each view before the
staging layer is kept in tests/data/views_before/), except where a name or a unit changed on purpose: training's
RetinaNet keyed by its name across rounds, and inference results whose published label names another unit than
the number is in."""

from __future__ import annotations

from pathlib import Path

import pytest

BEFORE = Path(__file__).resolve().parent / "data" / "views_before"
# views of views: the old ones read the old ones
_READS = ("training_accelerator_minutes", "inference_per_accelerator")
_RENAMED_BENCHMARKS = "('ssd', 'retinanet', 'ssd-resnet34')"
_UNIT_CHANGED = """(round, model) in (select round, model from inference_results
                   where result_measures is not null and result_measures <> units)"""


def _old_views(con) -> list[str]:
    names = []
    for path in sorted(BEFORE.glob("*.sql")):
        sql = path.read_text()
        for view in _READS:
            sql = sql.replace(f"from {view} ", f"from old_{view} ")
        con.execute(f"create or replace temp view old_{path.stem} as {sql}")
        names.append(path.stem)
    return names


def _unchanged(con, view: str) -> tuple[int, int, int]:
    columns = ", ".join(f'"{c}"' for c, in con.execute(f"select column_name from (describe old_{view})").fetchall())
    keep = "true"
    if view.startswith("inference_"):
        keep = f"not {_UNIT_CHANGED}"
    elif view in ("training_round_over_round", "training_best_by_accelerator"):
        keep = f"benchmark not in {_RENAMED_BENCHMARKS}"
    new = f"select {columns} from {view} where {keep}"
    old = f"select {columns} from old_{view} where {keep}"
    rows = con.execute(f"select count(*) from ({old})").fetchone()[0]
    gone = con.execute(f"select count(*) from ({old} except all {new})").fetchone()[0]
    added = con.execute(f"select count(*) from ({new} except all {old})").fetchone()[0]
    return rows, gone, added


@pytest.mark.parametrize("which", ["warehouse", "inference_warehouse"])
def test_marts_equal_row_for_row_where_no_name_or_unit_changed(request, which):
    con = request.getfixturevalue(which)[0]
    old = _old_views(con)
    try:
        compared = {view: _unchanged(con, view) for view in old}
    finally:  # the connection is the session's: other tests list its views
        for view in reversed(old):
            con.execute(f"drop view old_{view}")
    assert sum(rows for rows, _, _ in compared.values()) > 100
    assert {view: (gone, added) for view, (_, gone, added) in compared.items() if gone or added} == {}
