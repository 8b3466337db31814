"""One system description (`systems/<system>.json`) to a typed `systems` row; the JSON is kept whole."""

from __future__ import annotations

import re

import orjson

from transform.common.source import Source

_INTEGER = re.compile(r"\s*(\d+)(?:\.0*)?\s*")
_TEXT_FIELDS = (
    "system_name", "status", "system_type", "accelerator_model_name", "accelerator_memory_capacity",
    "host_processor_model_name", "host_memory_capacity", "framework", "operating_system",
)
# Network division (inference): free text, kept as written.
_NETWORK_FIELDS = ("network_type", "network_media", "network_rate", "network_protocol", "nic_sut", "nic_loadgen", "number_connections")
_INTEGER_FIELDS = ("number_of_nodes", "accelerators_per_node", "host_processors_per_node", "host_processor_core_count")


def json_object(data: bytes, source: Source, what: str) -> tuple[dict | None, list[dict]]:
    """The JSON object a description file holds (a UTF-8 BOM allowed), or the reject that says why there is none."""
    try:
        doc = orjson.loads(data.removeprefix(b"\xef\xbb\xbf"))
    except orjson.JSONDecodeError as exc:
        return None, [source.reject("parse", f"{what} is not valid JSON ({exc.args[0]})")]
    if not isinstance(doc, dict):
        return None, [source.reject("parse", f"{what} is a JSON {type(doc).__name__}, not an object")]
    return doc, []


def parse_system(data: bytes, source: Source) -> tuple[dict | None, list[dict]]:
    """Counts become integers ("8" → 8); placeholders and free text ("N/A", "", "4 (big); 4 (LITTLE)") become null.
    A key given twice keeps its last value, as Python's json module does."""
    doc, rejects = json_object(data, source, "system description")
    if doc is None:
        return None, rejects

    parts = source.path.split("/")
    # training: <submitter>/systems/<system>.json; inference: <division>/<submitter>/systems/<system>.json
    division = parts[0] if len(parts) == 4 else _text(doc.get("division"))
    row = {
        "suite": source.suite,
        "round": source.round,
        "division": division,
        "submitter": parts[-3],
        "system": parts[-1].removesuffix(".json"),
        **{name: _text(doc.get(name)) for name in _TEXT_FIELDS},
        **{name: _integer(doc.get(name)) for name in _INTEGER_FIELDS},
        "is_network": _boolean(doc.get("is_network")),
        **{name: _text(doc.get(name)) for name in _NETWORK_FIELDS},
    }
    row["availability"] = _availability(row["status"])
    nodes, per_node = row["number_of_nodes"], row["accelerators_per_node"]
    row["accelerators_total"] = nodes * per_node if nodes is not None and per_node is not None else None
    row["raw_json"] = orjson.dumps(doc).decode()
    row["source_path"] = source.path
    row["source_commit"] = source.commit
    return row, []


def _availability(status: str | None) -> str | None:
    """The official categories: available (on-premise or cloud), preview, rdi (research, development, internal)."""
    if status is None:
        return None
    s = status.lower()
    if "preview" in s:
        return "preview"
    if s == "rdi" or "research" in s:
        return "rdi"
    if any(word in s for word in ("available", "onprem", "on-prem", "cloud")):
        return "available"
    return None


def _integer(value) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if 0 <= value < 2**63 else None
    if isinstance(value, float):
        return int(value) if value.is_integer() and 0 <= value < 2**63 else None
    if isinstance(value, str) and (m := _INTEGER.fullmatch(value)) and len(m[1]) < 19:
        return int(m[1])
    return None


def _boolean(value) -> bool | None:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"
    return None


def _text(value) -> str | None:
    if isinstance(value, str):
        return value.strip() or None
    return None
