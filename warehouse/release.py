"""A dated, citable release of the warehouse: Parquet per table and view, a manifest, a Croissant description.

`export --release DIR` writes `DIR/mlperf-warehouse-<UTC date>/`, whole in a hidden folder first and renamed at the
end (a reader never sees half a release; an existing release of that date is never overwritten). The manifest names
every source repository's commit and the rows of every file, so a notebook or a paper can pin exactly what it used;
`croissant.json` describes the same files in MLCommons' dataset metadata format (every column with its type and the
meaning the data dictionary gives it), which `mlcroissant validate` checks.
"""

from __future__ import annotations

import hashlib
import os
import shutil
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import orjson

from warehouse.comments import comments
from warehouse.export import _write
from warehouse.publish import fsync

_CROISSANT_TYPES = {"BIGINT": "sc:Integer", "INTEGER": "sc:Integer", "DOUBLE": "sc:Float", "BOOLEAN": "sc:Boolean",
                    "VARCHAR": "sc:Text", "JSON": "sc:Text", "TIMESTAMP WITH TIME ZONE": "sc:DateTime",
                    "TIMESTAMP": "sc:DateTime", "DATE": "sc:Date"}
_CONTEXT = {
    "@language": "en", "@vocab": "https://schema.org/", "cr": "http://mlcommons.org/croissant/",
    "citeAs": "cr:citeAs", "column": "cr:column", "conformsTo": "dct:conformsTo", "data": {"@id": "cr:data", "@type": "@json"},
    "dataType": {"@id": "cr:dataType", "@type": "@vocab"}, "dct": "http://purl.org/dc/terms/", "extract": "cr:extract",
    "field": "cr:field", "fileObject": "cr:fileObject", "fileProperty": "cr:fileProperty", "fileSet": "cr:fileSet",
    "format": "cr:format", "includes": "cr:includes", "isLiveDataset": "cr:isLiveDataset", "jsonPath": "cr:jsonPath",
    "key": "cr:key", "md5": "cr:md5", "parentField": "cr:parentField", "path": "cr:path", "recordSet": "cr:recordSet",
    "references": "cr:references", "regex": "cr:regex", "repeated": "cr:repeated", "replace": "cr:replace",
    "rai": "http://mlcommons.org/croissant/RAI/", "samplingRate": "cr:samplingRate",
    "equivalentProperty": "cr:equivalentProperty", "examples": {"@id": "cr:examples", "@type": "@json"},
    "sc": "https://schema.org/", "separator": "cr:separator", "source": "cr:source", "subField": "cr:subField",
    "transform": "cr:transform",
}


def release(db: Path, directory: Path) -> tuple[Path, dict[str, int]]:
    """Write the release folder of today (UTC); return it and the rows of each file."""
    now = datetime.now(UTC)
    target = directory.absolute() / f"mlperf-warehouse-{now:%Y-%m-%d}"
    if target.exists():
        raise FileExistsError(f"{target} exists: a release is never overwritten")
    target.parent.mkdir(parents=True, exist_ok=True)
    building = target.with_name(f".{target.name}.building-{os.getpid()}")
    shutil.rmtree(building, ignore_errors=True)
    building.mkdir()
    try:
        written = _write(db, building, "parquet")
        with duckdb.connect(str(db), read_only=True) as con:
            sources = con.sql("select repo_url, suite, round, commit_sha, ingested_at::varchar as ingested_at "
                              "from sources order by suite, round").fetchall()
            types = con.sql("select table_name, column_name, data_type from duckdb_columns() "
                            "where database_name = current_database() order by table_name, column_index").fetchall()
        keys = ("repo_url", "suite", "round", "commit_sha", "ingested_at")
        manifest = {"name": target.name, "created_at": now.isoformat(), "warehouse": db.name,
                    "sources": [dict(zip(keys, row)) for row in sources], "files": {f"{n}.parquet": rows for n, rows in written.items()}}
        (building / "manifest.json").write_bytes(orjson.dumps(manifest, option=orjson.OPT_INDENT_2))
        (building / "croissant.json").write_bytes(orjson.dumps(croissant(building, written, types, manifest),
                                                               option=orjson.OPT_INDENT_2))
        for path in [*building.iterdir(), building]:
            fsync(path)
        os.rename(building, target)
        fsync(target.parent)
    except BaseException:
        shutil.rmtree(building, ignore_errors=True)
        raise
    return target, written


def croissant(folder: Path, written: dict[str, int], types: list[tuple[str, str, str]], manifest: dict) -> dict:
    described = comments()
    commits = ", ".join(f"{s['suite']} {s['round']} @ {s['commit_sha'][:12]}" for s in manifest["sources"]) or "none"
    files, records = [], []
    for name in written:
        files.append({"@type": "cr:FileObject", "@id": f"{name}.parquet", "name": f"{name}.parquet",
                      "contentUrl": f"{name}.parquet", "encodingFormat": "application/x-parquet",
                      "sha256": hashlib.sha256((folder / f"{name}.parquet").read_bytes()).hexdigest()})
        fields = [{"@type": "cr:Field", "@id": f"{name}/{column}", "name": column,
                   "description": described.get((name, column), ("", ""))[1] or column,
                   "dataType": _CROISSANT_TYPES.get(typ, "sc:Text"),
                   "source": {"fileObject": {"@id": f"{name}.parquet"}, "extract": {"column": column}}}
                  for table, column, typ in types if table == name]
        records.append({"@type": "cr:RecordSet", "@id": name, "name": name,
                        "description": described.get((name, None), ("", ""))[1] or name, "field": fields})
    return {
        "@context": _CONTEXT, "@type": "sc:Dataset", "conformsTo": "http://mlcommons.org/croissant/1.0",
        "name": manifest["name"],
        "description": "MLPerf Training and Inference results parsed from MLCommons' results repositories, validated "
                       f"and loaded by mlperf-warehouse; released {manifest['created_at']} from {commits}.",
        "url": "https://github.com/mlcommons", "license": "https://www.apache.org/licenses/LICENSE-2.0",
        "datePublished": manifest["created_at"][:10], "version": ".".join(str(int(p)) for p in manifest["created_at"][:10].split("-")),
        "citeAs": f"mlperf-warehouse release {manifest['name']} ({commits})",
        "distribution": files, "recordSet": records,
    }
