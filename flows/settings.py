"""The one typed settings object: where data lives, what to ingest, when to run."""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from transform.accelerators import DEFAULT_MAP

# Rounds known to be published; later ones are found by probing the next version names upstream.
KNOWN_ROUNDS = {
    "training": ("v0.5", "v0.6", "v0.7", "v1.0", "v1.1", "v2.0", "v2.1", "v3.0", "v3.1", "v4.0", "v4.1", "v5.0", "v5.1"),
    "inference": ("v0.5", "v0.7", "v1.0", "v1.1", "v2.0", "v2.1", "v3.0", "v3.1", "v4.0", "v4.1", "v5.0", "v5.1"),
}


class Settings(BaseModel):
    model_config = ConfigDict(frozen=True)

    db_path: Path = Path("mlperf.duckdb")
    cache_dir: Path = Path(".cache/repos")
    # Where `<suite>_results_<round>` repositories live; `repos` empty means every known round there, plus new ones.
    organization_url: str = "https://github.com/mlcommons"
    repos: tuple[str, ...] = ()
    # The accelerator map (pattern → canonical chip); copy and extend it to map more spellings.
    accelerator_map: Path = DEFAULT_MAP
    # Files above this size are rejected unread: repos are third-party content.
    max_file_bytes: int = Field(default=64 * 1024 * 1024, gt=0)
    # Clones and fetches (network-bound, run in parallel threads) are retried this many times.
    sync_retries: int = Field(default=3, ge=0)
    # Seconds to wait before each retry of a failed clone or fetch (exponential backoff).
    sync_retry_delays: tuple[float, ...] = (10, 60, 300)
    # The nightly refresh of `mlperf-warehouse serve`.
    schedule_cron: str = "0 2 * * *"
    schedule_timezone: str = "UTC"
