"""System descriptions of training v0.5 and v0.6 that are not `systems/<system>.json` in the later schema, to the
same `systems` rows (the original kept whole in raw_json):

- the submission-entry schema (v0.5 `results/<system>/entry.json`, v0.6 Fujitsu and Alibaba): `division, status,
  hardware, framework, os, nodes[{num_nodes, cpu, num_cores, accelerator, num_accelerators, sys_mem_size, …}]`;
- v0.6 NVIDIA `systems/<system>.json`, which are MLL payload lines (`org: {"value": "NVIDIA", …}`, …,
  `entry: {"value": "<the entry schema as a Python dict>"}`), not JSON;
- v0.6 Intel `systems/<system>.json` in the later schema with other spellings of three keys (`sumitter`,
  `number of nodes`, `host_processors_core_count`), read as the later names where those are absent.

Mapping: system_name = hardware (else platform); number_of_nodes = the node groups' num_nodes summed;
accelerators_per_node, accelerator_model_name, host_processor_model_name, host_memory_capacity from the node group
(when the groups agree); host_processors_per_node from a leading "2x " of cpu, and then host_processor_core_count
= num_cores / that count (num_cores is per node).

TPU pods (v0.5 Google): `num_accelerators` is the whole slice, the number in its name (`tpuv2-512`: 512 on 64
hosts), not a per-host count: the slice is the system's total (512, not 64 × 512 = 32,768), and the per-node count
is what each host drives (512 / 64 = 8).
"""

from __future__ import annotations

import ast
import re

import orjson

from transform.common.source import Source
from transform.common.system_json import json_object, parse_system

_LINE = re.compile(r"^\s*([A-Za-z0-9_]+):\s*(\{.*\})\s*$")
_SOCKETS = re.compile(r"^\s*(\d+)\s*x\s*", re.I)
_TPU_SLICE = re.compile(r"tpu-?v\d+-(\d+)", re.I)


_ALIASES = {"sumitter": "submitter", "number of nodes": "number_of_nodes",
            "host_processors_core_count": "host_processor_core_count"}


def parse_early_system(data: bytes, source: Source) -> tuple[dict | None, list[dict]] | None:
    """A training `systems/<system>.json` of v0.5/v0.6 form as its row; None when it is in the later schema."""
    try:
        doc = orjson.loads(data.removeprefix(b"\xef\xbb\xbf"))
    except orjson.JSONDecodeError:
        row, rejects = parse_payload_system(data, source)
        return (row, rejects) if row is not None else None
    if not isinstance(doc, dict):
        return None
    submitter, _systems, name = source.path.split("/")
    if "nodes" in doc and "system_name" not in doc:
        return _row(doc, doc, source, submitter, name.removesuffix(".json"))
    if any(alias in doc and standard not in doc for alias, standard in _ALIASES.items()):
        renamed = {**doc, **{standard: doc[alias] for alias, standard in _ALIASES.items() if alias in doc and standard not in doc}}
        row, rejects = parse_system(orjson.dumps(renamed), source)
        if row is not None:
            row["raw_json"] = orjson.dumps(doc).decode()
        return row, rejects
    return None


def parse_entry(data: bytes, source: Source, submitter: str, system: str) -> tuple[dict | None, list[dict]]:
    """A submission-entry JSON (entry.json) as the systems row of `system`."""
    doc, rejects = json_object(data, source, "entry.json")
    return (None, rejects) if doc is None else _row(doc, doc, source, submitter, system)


def parse_payload_system(data: bytes, source: Source) -> tuple[dict | None, list[dict]]:
    """A v0.6 NVIDIA systems file of MLL payload lines; None when the file is not of that form."""
    fields = {}
    for line in data.decode("utf-8", "replace").splitlines():
        m = _LINE.match(line)
        if m is None:
            continue
        try:
            fields[m[1]] = orjson.loads(m[2]).get("value")
        except (orjson.JSONDecodeError, AttributeError):
            continue
    entry = _literal(fields.get("entry"))
    if not isinstance(entry, dict):
        return None, []
    raw = {**fields, "entry": entry}
    submitter, _systems, name = source.path.split("/")
    entry = {**entry, "division": fields.get("division"), "status": fields.get("status"),
             "hardware": entry.get("hardware") or fields.get("platform"), "submitter": fields.get("org")}
    return _row(entry, raw, source, submitter, name.removesuffix(".json"))


def _row(entry: dict, raw: dict, source: Source, submitter: str, system: str) -> tuple[dict | None, list[dict]]:
    nodes = _literal(entry.get("nodes"))
    groups = [g for g in (nodes if isinstance(nodes, list) else [nodes]) if isinstance(g, dict)]
    groups = [{k: _literal(v) if k == "nodes" else v for k, v in g.items()} for g in groups]
    cpu = _same(groups, "cpu")
    sockets = _SOCKETS.match(cpu) if isinstance(cpu, str) else None
    cores = _same(groups, "num_cores")
    doc = {
        "submitter": submitter,
        "division": entry.get("division"),
        "status": entry.get("status"),
        "system_name": entry.get("hardware") or entry.get("platform"),
        "number_of_nodes": _total(groups, "num_nodes"),
        "accelerators_per_node": _per_host(groups),
        "accelerator_model_name": _same(groups, "accelerator"),
        "host_processor_model_name": cpu,
        "host_processors_per_node": int(sockets[1]) if sockets else None,
        "host_processor_core_count": _per_socket(cores, int(sockets[1])) if sockets else None,
        "host_memory_capacity": str(_same(groups, "sys_mem_size")) if _same(groups, "sys_mem_size") is not None else None,
        "framework": entry.get("framework"),
        "operating_system": entry.get("os"),
    }
    standard = Source(source.suite, source.round, f"{submitter}/systems/{system}.json", source.commit)
    row, rejects = parse_system(orjson.dumps({k: v for k, v in doc.items() if v is not None}), standard)
    if row is not None:
        row["raw_json"] = orjson.dumps(raw).decode()
        row["source_path"] = source.path
    return row, [{**r, "source_path": source.path} for r in rejects]


def _literal(value):
    """A Python-repr string of a dict or list (the v0.6 NVIDIA entry nests them) as the value; anything else as is."""
    if isinstance(value, str) and value[:1] in "{[":
        try:
            return ast.literal_eval(value)
        except (ValueError, SyntaxError, MemoryError, RecursionError):
            return value
    return value


def _same(groups: list[dict], key: str):
    values = {orjson.dumps(g.get(key)) for g in groups}
    return groups[0].get(key) if len(values) == 1 else None


def _total(groups: list[dict], key: str):
    counts = [_count(g.get(key)) for g in groups]
    return sum(counts) if counts and None not in counts else None


def _count(value) -> int | None:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value)
    return None


def _per_host(groups: list[dict]):
    per_node, name, nodes = _same(groups, "num_accelerators"), _same(groups, "accelerator"), _total(groups, "num_nodes")
    slice_ = _TPU_SLICE.fullmatch(name.strip()) if isinstance(name, str) else None
    if slice_ and nodes and _count(per_node) == int(slice_[1]) and int(slice_[1]) % nodes == 0:
        return int(slice_[1]) // nodes
    return per_node


def _per_socket(cores, sockets: int) -> int | None:
    cores = _count(cores)
    return cores // sockets if cores and sockets and cores % sockets == 0 else None
