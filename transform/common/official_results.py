"""MLCommons' own results tables, loaded as published, to check ours against (the `reconciliation` view).

Three forms exist in the inference repositories:
- the round's table at the root: `summary_results.json` (v5.1: a list of the final report's rows, `Location`,
  `Performance_Result`/`Performance_Units`, `Power_Result`/`Power_Units`) or `summary.json` (v6.1: the checker's
  csv rows as a pandas `orient="index"` object, `Location` ending in `/performance/run_1`, `Result`, `Units`);
- the submission checker's `summary.csv` a submitter committed (`<division>/<submitter>/[results/]summary.csv`,
  v0.7 to v5.1): the same columns as v6.1's rows (no `Units` before v2.0), a power result as a second row with
  the same `Location` and `Units` Watts or millijoules.
Each row is keyed by its `Location`, the scenario folder `<division>/<submitter>/results/<system>/<model>/<scenario>`.
A root table speaks for every folder; a submitter's csv only for its own (`closed/A/summary.csv` listing a folder of
`closed/B/` is not B's table: that row is a reject). Every text of a table that reaches a reject reason is escaped.
"""

from __future__ import annotations

import csv
import io

import orjson

from transform.common.safe_text import printable
from transform.common.source import Source
from transform.common.values import is_number

_POWER_UNITS = {"Watts", "millijoules"}
# columns of each form: (location, result, units, accuracy, model folder, model, scenario, id)
_FINAL_REPORT = ("Location", "Performance_Result", "Performance_Units", "Accuracy", "UsedModel", "Model", "Scenario", "ID")
_CHECKER = ("Location", "Result", "Units", "Accuracy", "Model", "MlperfModel", "Scenario", None)


def parse_official_table(data: bytes, source: Source) -> tuple[list[dict], list[dict]]:
    """The rows of an official table; a table that does not parse is one reject, a row without a location or a
    numeric result one reject each."""
    name = source.path.rsplit("/", 1)[-1]
    try:
        if name == "summary_results.json":
            scope, rows = "round", _final_report_rows(orjson.loads(data))
        elif name == "summary.json":
            scope, rows = "round", _checker_rows(_indexed(orjson.loads(data)))
        else:
            scope, rows = "submitter", _csv_rows(data)
    except (orjson.JSONDecodeError, UnicodeDecodeError, csv.Error, ValueError) as exc:
        return [], [source.reject("parse", f"official results table does not parse: {str(exc)[:200]}")]
    if rows is None:
        if scope == "submitter":  # a file named summary.csv that is not the checker's: not an official table
            return [], []
        return [], [source.reject("parse", "official results table does not have the columns of MLCommons' table")]
    out, rejects = [], []
    for index, row in rows:
        parsed = _row(row, scope, source)
        if isinstance(parsed, str):
            rejects.append(source.reject("parse", f"official results table, row {printable(str(index))[:50]}: {parsed}"))
        else:
            out.append({**parsed, "row_id": parsed["row_id"] or str(index)})
    kept: dict[str, dict] = {}
    for row in _with_power_rows(out):
        if row["location"] in kept:
            rejects.append(source.reject("parse", f"official results table, row {printable(row['row_id'])[:50]}: a "
                                                  f"second row for {printable(row['location'])} (the first is loaded)"))
        else:
            kept[row["location"]] = row
    return list(kept.values()), rejects


def location_key(location: str) -> str:
    """`./closed/X/results/s/m/Offline/performance/run_1` → `closed/X/results/s/m/Offline`."""
    location = location.strip().replace("\\", "/").removeprefix("./").rstrip("/")
    return location.removesuffix("/performance/run_1")


def _final_report_rows(doc) -> list[tuple[int, tuple]] | None:
    if not isinstance(doc, list) or not all(isinstance(r, dict) for r in doc):
        raise ValueError("summary_results.json is not a list of objects")
    if doc and "Performance_Result" not in doc[0]:
        return None
    return [(i, (_FINAL_REPORT, r)) for i, r in enumerate(doc)]


def _indexed(doc) -> list[tuple[str, dict]]:
    if not isinstance(doc, dict) or not all(isinstance(r, dict) for r in doc.values()):
        raise ValueError("summary.json is not an object of row objects")
    return list(doc.items())


def _checker_rows(rows: list[tuple[object, dict]]) -> list[tuple[object, tuple]] | None:
    if rows and not {"Location", "Result"} <= rows[0][1].keys():
        return None
    return [(i, (_CHECKER, r)) for i, r in rows]


def _csv_rows(data: bytes) -> list[tuple[int, tuple]] | None:
    reader = csv.DictReader(io.StringIO(data.decode("utf-8")))
    if not {"Location", "Result", "Organization"} <= set(reader.fieldnames or ()):
        return None
    return _checker_rows([(n, row) for n, row in enumerate(reader, 2)])  # numbered by file line


def _row(entry: tuple, scope: str, source: Source) -> dict | str:
    columns, row = entry
    location_col, result_col, units_col, accuracy_col, folder_col, model_col, scenario_col, id_col = columns
    location = row.get(location_col)
    if not isinstance(location, str) or len(location_key(location).split("/")) != 6:
        return f"Location {str(location)[:100]!r} is not <division>/<submitter>/results/<system>/<model>/<scenario>"
    result = _number(row.get(result_col))
    if result is None:
        return f"{result_col} {str(row.get(result_col))[:50]!r} is not a number"
    key = location_key(location)
    division, submitter, _results, system, benchmark, scenario_dir = key.split("/")
    if scope == "submitter" and source.path.split("/")[:2] != [division, submitter]:
        return (f"Location '{printable(key)[:200]}' is not a folder of {printable('/'.join(source.path.split('/')[:2]))}: "
                "a submitter's table speaks for its own results only")
    power, power_units = _number(row.get("Power_Result")), _text(row.get("Power_Units"))
    return {
        "suite": source.suite, "round": source.round, "table_scope": scope, "location": key,
        "division": division, "submitter": submitter, "system": system, "benchmark": benchmark,
        "scenario_dir": scenario_dir, "row_id": _text(row.get(id_col)) if id_col else None,
        "model": _text(row.get(model_col)), "scenario": _text(row.get(scenario_col)),
        "result": result, "units": _text(row.get(units_col)), "accuracy_text": _text(row.get(accuracy_col)),
        "power_result": power, "power_units": power_units if power is not None else None,
        "inferred": _flag(row.get("inferred", row.get("infered"))),
        "row_json": orjson.dumps(row, option=orjson.OPT_NON_STR_KEYS).decode(),
        "source_path": source.path, "source_commit": source.commit,
    }


def _with_power_rows(rows: list[dict]) -> list[dict]:
    """The checker's csv writes a power result as a row of its own: it goes into its result's row."""
    results = {r["location"]: r for r in rows if r["units"] not in _POWER_UNITS}
    out = []
    for row in rows:
        result = results.get(row["location"])
        if row["units"] in _POWER_UNITS and result is not None and result is not row:
            result["power_result"], result["power_units"] = row["result"], row["units"]
        else:
            out.append(row)
    return out


def _number(value) -> float | None:
    if isinstance(value, str):
        try:
            value = float(value)
        except ValueError:
            return None
    return float(value) if is_number(value) else None


def _text(value) -> str | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    return value if isinstance(value, str) else orjson.dumps(value).decode()


def _flag(value) -> bool | None:
    if isinstance(value, bool):
        return value
    if value in (0, 1, "0", "1"):
        return int(value) == 1
    return None
