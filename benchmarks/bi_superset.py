"""Check a real Apache Superset against the warehouse, through Superset's own REST API (what its UI calls).

    python -m benchmarks.bi_superset --db /abs/path/mlperf.duckdb --url http://127.0.0.1:8088 \\
        --user admin --password admin --repo file:///path/to/training_results_v4.0 --cache-dir /tmp/cache

It registers the warehouse as a read-only duckdb-engine database (or reuses it), lists its tables and views,
queries every one in SQL Lab, runs `mlperf-warehouse ingest` with the given repositories (a refresh that
replaces the file), and queries every one again: a refresh must not break Superset, and Superset must then
show the new data (one more row in ingest_runs). Prints a Markdown report; exit 1 when anything failed.
Standard library only: it runs from the project's venv while Superset runs in its own.
"""

from __future__ import annotations

import argparse
import http.cookiejar
import json
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

DATABASE_NAME = "mlperf-warehouse"
LAST_RUN = "select cast(max(finished_at) as varchar) as v from ingest_runs"


class Superset:
    def __init__(self, url: str, user: str, password: str):
        self.url = url.rstrip("/")
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
        self.headers = {"Content-Type": "application/json", "Referer": self.url}
        token = self.call("POST", "/api/v1/security/login",
                          {"username": user, "password": password, "provider": "db", "refresh": True})[1]
        self.headers["Authorization"] = f"Bearer {token['access_token']}"
        # Superset checks CSRF on state-changing calls unless it is configured off.
        status, csrf = self.call("GET", "/api/v1/security/csrf_token/")
        if status == 200:
            self.headers["X-CSRFToken"] = csrf["result"]

    def call(self, method: str, path: str, body: dict | None = None) -> tuple[int, dict]:
        request = urllib.request.Request(self.url + path, method=method, headers=self.headers,
                                         data=json.dumps(body).encode() if body is not None else None)
        try:
            with self.opener.open(request, timeout=300) as response:
                return response.status, json.loads(response.read() or b"{}")
        except urllib.error.HTTPError as error:
            text = error.read().decode(errors="replace")
            try:
                return error.code, json.loads(text)
            except ValueError:
                return error.code, {"message": text[:300]}

    def database(self, db: Path) -> int:
        """The id of the warehouse's database entry, created or updated to open the file read-only."""
        entry = {
            "database_name": DATABASE_NAME,
            "sqlalchemy_uri": f"duckdb:///{db.resolve()}",
            "expose_in_sqllab": True,
            "extra": json.dumps({"engine_params": {"connect_args": {"read_only": True}}}),
        }
        query = urllib.parse.quote(f"(filters:!((col:database_name,opr:eq,value:'{DATABASE_NAME}')))")
        found = self.call("GET", f"/api/v1/database/?q={query}")[1].get("result", [])
        if found:
            status, answer = self.call("PUT", f"/api/v1/database/{found[0]['id']}", entry)
            pk = found[0]["id"]
        else:
            status, answer = self.call("POST", "/api/v1/database/", entry)
            pk = answer.get("id")
        if status not in (200, 201):
            raise SystemExit(f"Superset refused the database: HTTP {status} {answer}")
        return pk

    def relations(self, pk: int) -> list[tuple[str, str]]:
        query = urllib.parse.quote("(force:!t,schema_name:main)")
        status, answer = self.call("GET", f"/api/v1/database/{pk}/tables/?q={query}")
        if status != 200:
            raise SystemExit(f"listing tables failed: HTTP {status} {answer}")
        return sorted((r["value"], r["type"]) for r in answer["result"])

    def commented_columns(self, pk: int, name: str) -> tuple[int, int]:
        query = urllib.parse.urlencode({"name": name, "schema": "main"})
        status, answer = self.call("GET", f"/api/v1/database/{pk}/table_metadata/?{query}")
        columns = answer.get("columns", []) if status == 200 else []
        return sum(bool(c.get("comment")) for c in columns), len(columns)

    def scalar(self, pk: int, sql: str):
        answer = self.call("POST", "/api/v1/sqllab/execute/", {"database_id": pk, "schema": "main", "sql": sql, "runAsync": False})[1]
        return (answer.get("data") or [{}])[0].get("v")

    def query(self, pk: int, sql: str) -> tuple[int, int | None, str]:
        """(HTTP status, rows, error) of one SQL Lab query, run synchronously."""
        status, answer = self.call("POST", "/api/v1/sqllab/execute/", {
            "database_id": pk, "schema": "main", "sql": sql, "runAsync": False, "queryLimit": 1_000_000,
        })
        if status == 200 and answer.get("status") == "success":
            return status, len(answer.get("data", [])), ""
        return status, None, str(answer.get("message") or answer.get("errors") or answer)[:200]


def query_all(superset: Superset, pk: int, relations: list[tuple[str, str]]) -> list[tuple]:
    """(name, type, HTTP status, rows shown, error, count(*)) of `select *` on each relation, through SQL Lab."""
    out = []
    for name, kind in relations:
        status, rows, error = superset.query(pk, f'select * from "{name}"')
        count = superset.scalar(pk, f'select count(*) as v from "{name}"')
        out.append((name, kind, status, rows, error, count))
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, required=True)
    parser.add_argument("--url", default="http://127.0.0.1:8088")
    parser.add_argument("--user", default="admin")
    parser.add_argument("--password", default="admin")
    parser.add_argument("--repo", action="append", required=True, help="repositories the refresh ingests")
    parser.add_argument("--cache-dir", type=Path, required=True)
    args = parser.parse_args(argv)

    superset = Superset(args.url, args.user, args.password)
    pk = superset.database(args.db)
    relations = superset.relations(pk)
    lines = [f"Superset at {args.url}, database `{DATABASE_NAME}` = `duckdb:///{args.db.resolve()}` read-only.", "",
             f"Listed {len(relations)} relations: {sum(k == 'table' for _, k in relations)} tables, "
             f"{sum(k == 'view' for _, k in relations)} views."]
    commented = [superset.commented_columns(pk, name) for name, _ in relations]
    lines.append(f"Column comments Superset shows: {sum(c for c, _ in commented)} of {sum(n for _, n in commented)} columns.")

    before = query_all(superset, pk, relations)
    last_before = superset.scalar(pk, LAST_RUN)
    refresh = [sys.executable, "-m", "flows.cli", "ingest", "--db", str(args.db), "--cache-dir", str(args.cache_dir)]
    for repo in args.repo:
        refresh += ["--repo", repo]
    started = time.perf_counter()
    ingest = subprocess.run(refresh, capture_output=True, text=True)
    seconds = time.perf_counter() - started
    after = query_all(superset, pk, relations)
    last_after = superset.scalar(pk, LAST_RUN)

    lines += ["", "`select *` through SQL Lab (it shows at most its DISPLAY_MAX_ROW rows, 10,000 by default), and `count(*)`:",
              "", "| relation | type | before refresh | after refresh |", "|---|---|---|---|"]
    failures = 0
    for (name, kind, s1, n1, e1, c1), (_, _, s2, n2, e2, c2) in zip(before, after):
        failures += (n1 is None) + (n2 is None)
        lines.append(f"| `{name}` | {kind} | {f'{n1} rows shown of {c1}' if n1 is not None else f'HTTP {s1}: {e1}'} | "
                     f"{f'{n2} rows shown of {c2}' if n2 is not None else f'HTTP {s2}: {e2}'} |")
    sees_refresh = last_after is not None and last_after != last_before
    lines += ["", f"Refresh: `mlperf-warehouse ingest` exit {ingest.returncode} in {seconds:.1f} s while Superset was "
              f"connected; last ingest run through Superset: {last_before} before, {last_after} after "
              f"({'the new file is seen' if sees_refresh else 'STALE: the old file is still seen'}).",
              f"Queries failed: {failures} of {2 * len(relations)}."]
    print("\n".join(lines))
    return 0 if failures == 0 and ingest.returncode == 0 and sees_refresh else 1


if __name__ == "__main__":
    sys.exit(main())
