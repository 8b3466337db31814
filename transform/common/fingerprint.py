"""The fingerprint of the code that turns a repository's files into rows: a parse output, a round's rows and a
preflight's "nothing new" hold only for the code that made them.

Kept apart from the parse cache, importing neither polars nor a parser (only the lookup of the installed rules
package): the command's preflight asks for it before Prefect starts, and every import there is paid in full by a
refresh (polars and the parsers, 0.15 s, load while Prefect starts instead)."""

from __future__ import annotations

import hashlib
from functools import cache
from pathlib import Path

from transform.training.package_rules import installed


@cache
def code_fingerprint() -> str:
    digest = hashlib.sha256()
    root = Path(__file__).parents[1]
    # the rules files are code too: a changed rule must re-parse
    for source in sorted(p for p in root.rglob("*") if p.suffix in (".py", ".toml")):
        digest.update(str(source.relative_to(root)).encode())
        digest.update(source.read_bytes())
    # a round without a rules file is judged by rules derived from the installed mlperf-logging: a new version re-judges
    digest.update(str((installed() or (None, None))[1]).encode())
    return digest.hexdigest()
