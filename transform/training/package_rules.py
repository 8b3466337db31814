"""A training round's rules derived from MLCommons' `mlperf-logging` package, read as data (never imported or run).

The package ships, per ruleset, the compliance checker's YAML (`compliance_checker/training_X.Y.0/`), the allowed
benchmarks and result counts (`benchmark_meta.py`) and the result summarizer (`result_summarizer.py`). From them:
- per benchmark, the closed and the open division's `ATLEAST_ONE_CHECK` of its eval_accuracy (a run that never
  passes it fails the compliance check, and the summarizer drops it as a non-converged run), as bounds;
- the runs required (`_ALL_RESULT_FILE_COUNTS`) and the runs dropped at each end (`max_dropped_scores`);
- the init-time limit per division (common.yaml's `compile_time_mins`, or the constant of older rulesets).
`benchmarks/transcribe_training_rules.py` writes this into transform/training/rules/<round>.toml for review; a
round without a reviewed file is judged by it at run time, marked as derived (transform/training/score_rules.py).
"""

from __future__ import annotations

import ast
import re
from functools import cache
from importlib import metadata
from pathlib import Path

import yaml

PACKAGE = "mlperf-logging"
# what a check names: v['value'] is the eval_accuracy, v['value']['BBOX'] a component of a dict value
SCALAR = "eval_accuracy"
_ACCURACY_KEYS = ("eval_accuracy", "aggregated_eval_accuracy")
# the C parser where PyYAML has it (safe either way: plain data, no tags)
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def installed() -> tuple[Path, str] | None:
    """(the package's folder, its version), or None when it is not installed."""
    try:
        dist = metadata.distribution(PACKAGE)
    except metadata.PackageNotFoundError:
        return None
    return Path(str(dist.locate_file("mlperf_logging"))), dist.version


def ruleset_folder(root: Path, round_: str) -> Path:
    """`v6.0` → compliance_checker/training_6.0.0."""
    return root / "compliance_checker" / f"training_{round_.removeprefix('v')}.0"


def _yaml(path: Path) -> list:
    if not path.is_file():
        return []
    return yaml.load(path.read_text(encoding="utf-8"), Loader=_LOADER) or []


def _keys(path: Path) -> dict[str, dict]:
    return {entry["KEY"]["NAME"]: entry["KEY"] for entry in _yaml(path) if isinstance(entry, dict) and "KEY" in entry}


def _python_literals(path: Path) -> dict[str, object]:
    """Module-level literal assignments of a Python file, parsed (ast.literal_eval), never executed."""
    out = {}
    for node in ast.parse(path.read_text(encoding="utf-8")).body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            try:
                out[node.targets[0].id] = ast.literal_eval(node.value)
            except ValueError:
                continue
    return out


def _max_dropped(summarizer: Path) -> tuple[int, dict[str, int]]:
    """`max_dropped_scores = 4 if benchmark == "unet3d" else 1` → (1, {"unet3d": 4})."""
    for node in ast.walk(ast.parse(summarizer.read_text(encoding="utf-8"))):
        if (isinstance(node, ast.Assign) and isinstance(node.targets[0], ast.Name)
                and node.targets[0].id == "max_dropped_scores"):
            value, special = node.value, {}
            while isinstance(value, ast.IfExp):
                test = value.test
                special[ast.literal_eval(test.comparators[0])] = ast.literal_eval(value.body)
                value = value.orelse
            return ast.literal_eval(value), special
    raise ValueError(f"{summarizer}: no max_dropped_scores")


def bounds(check: str) -> dict[str, dict]:
    """An ATLEAST_ONE_CHECK expression as bounds per metric: "(v['value'] <= 3.3) and v['value'] > 0.0" →
    {eval_accuracy: {low 0.0 exclusive, high 3.3 inclusive}}. Anything but comparisons of v['value'] (or
    v['value'][NAME]) with numbers joined by `and` is refused."""
    out: dict[str, dict] = {}

    def metric(node: ast.AST) -> str | None:
        if isinstance(node, ast.Subscript) and isinstance(node.value, ast.Name) and node.value.id == "v" \
                and ast.literal_eval(node.slice) == "value":
            return SCALAR
        if isinstance(node, ast.Subscript) and metric(node.value) == SCALAR:
            return ast.literal_eval(node.slice)
        return None

    def number(node: ast.AST) -> float | None:
        try:
            value = ast.literal_eval(node)
        except ValueError:
            return None
        return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None

    def bound(name: str, op: ast.cmpop, value: float, flipped: bool) -> None:
        kinds = {ast.GtE: ("low", True), ast.Gt: ("low", False), ast.LtE: ("high", True), ast.Lt: ("high", False)}
        side, inclusive = kinds[type(op)]
        if flipped:
            side = "high" if side == "low" else "low"
        entry = out.setdefault(name, {})
        entry[side], entry[f"{side}_inclusive"] = value, inclusive

    def walk(node: ast.AST) -> None:
        if isinstance(node, ast.BoolOp) and isinstance(node.op, ast.And):
            for value in node.values:
                walk(value)
            return
        if not isinstance(node, ast.Compare):
            raise ValueError(f"not a bound: {ast.unparse(node)}")
        operands = [node.left, *node.comparators]
        for left, op, right in zip(operands, node.ops, operands[1:]):
            if not isinstance(op, (ast.GtE, ast.Gt, ast.LtE, ast.Lt)):
                raise ValueError(f"not a bound: {ast.unparse(node)}")
            if metric(left) and number(right) is not None:
                bound(metric(left), op, number(right), flipped=False)
            elif number(left) is not None and metric(right):
                bound(metric(right), op, number(left), flipped=True)
            else:
                raise ValueError(f"not a bound: {ast.unparse(node)}")

    walk(ast.parse(check.strip(), mode="eval").body)
    # the order the rules files write a bound in
    return {name: {k: b[k] for k in ("low", "low_inclusive", "high", "high_inclusive") if k in b} for name, b in out.items()}


def _accuracy_check(path: Path) -> str | None:
    keys = _keys(path)
    for name in _ACCURACY_KEYS:
        if "ATLEAST_ONE_CHECK" in keys.get(name, {}):
            return keys[name]["ATLEAST_ONE_CHECK"]
    return None


def _target(key: str, check: str) -> dict:
    """{key: bounds}, or where the check is more than bounds (one that depends on the batch size) no bounds and a
    note: the benchmark then has no target, and its runs are not judged by one."""
    try:
        return {key: bounds(check)}
    except (ValueError, SyntaxError) as exc:
        return {f"{key}_note": f"the check is not a set of bounds ({exc})"}


def _init(common: Path) -> dict:
    """The init_stop check and the limit per division, in minutes."""
    keys = _keys(common)
    checks = keys["init_stop"]["CHECK"]
    check = next(c for c in (checks if isinstance(checks, list) else [checks]) if "first_init_start" in c)
    post = keys.get("submission_division", {}).get("POST", "")
    per_division = re.search(r"compile_time_mins'\]\s*=\s*(\d+)\s+if v\['value'\] == 'open' else (\d+)", post)
    if per_division:
        return {"check": check, "closed_minutes": int(per_division[2]), "open_minutes": int(per_division[1])}
    constant = re.search(r"<\s*\(\s*(\d+)\s*\*\s*60", check)
    if not constant:
        raise ValueError(f"{common}: init_stop check without a limit: {check}")
    return {"check": check, "closed_minutes": int(constant[1]), "open_minutes": int(constant[1])}


def derive(root: Path, round_: str) -> dict | None:
    """The round's derived rules ({init, benchmarks}), or None when the package has no such training ruleset or its
    ruleset has no quality targets (v0.6's checker reads no accuracy)."""
    folder = ruleset_folder(root, round_)
    if not (folder / "common.yaml").is_file():
        return None
    meta = _python_literals(root / "benchmark_meta.py")
    allowed = meta["_ALL_ALLOWED_BENCHMARKS"]["training"].get(round_.removeprefix("v"))
    if not allowed:
        return None
    counts = meta["_ALL_RESULT_FILE_COUNTS"]["training"]
    dropped, special = _max_dropped(root / "result_summarizer" / "result_summarizer.py")
    benchmarks = {}
    for name in dict.fromkeys(allowed):  # v4.0 lists stable_diffusion twice
        closed = _accuracy_check(folder / f"closed_{name}.yaml")
        if closed is None:
            return None
        entry = {"runs_required": counts[name], "max_dropped": special.get(name, dropped), "check": closed,
                 **_target("target", closed)}
        # an open run's check names another key in some rulesets (open_flux1.yaml: averaged_validation_loss)
        open_keys = _keys(folder / f"open_{name}.yaml")
        open_check = next((k for k in open_keys.values() if "ATLEAST_ONE_CHECK" in k), None)
        if open_check is not None:
            entry["open_check"] = open_check["ATLEAST_ONE_CHECK"]
            entry["open_key"] = open_check["NAME"]
            entry |= _target("open_target", open_check["ATLEAST_ONE_CHECK"])
        benchmarks[name] = entry
    return {"init": _init(folder / "common.yaml"), "benchmarks": benchmarks}


@cache
def installed_rules(round_: str) -> dict | None:
    """The round's rules from the installed package, in the rules files' form, with `[source] reviewed = false`;
    None without the package or without a ruleset for the round."""
    found = installed()
    if found is None:
        return None
    root, version = found
    derived = derive(root, round_)
    if derived is None:
        return None
    return {"source": {"package": PACKAGE, "package_version": version, "reviewed": False},
            "score": {"converged": "target"}, **derived}
