"""The one typed settings object: where data lives, what to ingest, when to run.

Each setting comes from, in this order of precedence: a command-line flag, an environment variable
`MLPERF_WAREHOUSE_<NAME>` (e.g. `MLPERF_WAREHOUSE_DB_PATH`), the TOML config file, the default here.
The config file is `--config FILE`, else `$MLPERF_WAREHOUSE_CONFIG`, else `./mlperf-warehouse.toml` when it exists.
"""

from __future__ import annotations

import os
import tomllib
import zoneinfo
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from extract.repo_id import refusal, repo_ids

from transform.common.accelerators import DEFAULT_MAP, BadMap, load_map

# Rounds known to be published; later ones are found by probing the next version names upstream.
KNOWN_ROUNDS = {
    "training": ("v0.5", "v0.6", "v0.7", "v1.0", "v1.1", "v2.0", "v2.1", "v3.0", "v3.1", "v4.0", "v4.1", "v5.0", "v5.1",
                 "v6.0"),
    "inference": ("v0.5", "v0.7", "v1.0", "v1.1", "v2.0", "v2.1", "v3.0", "v3.1", "v4.0", "v4.1", "v5.0", "v5.1",
                  "v6.0", "v6.1"),
}

ENV_PREFIX = "MLPERF_WAREHOUSE_"
DEFAULT_CONFIG = Path("mlperf-warehouse.toml")


class Settings(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    db_path: Path = Path("mlperf.duckdb")
    cache_dir: Path = Path(".cache/repos")
    # Where `<suite>_results_<round>` repositories live (a URL, or a local folder's absolute path); `repos` empty means
    # every known round there, plus new ones.
    organization_url: str = "https://github.com/mlcommons"
    repos: tuple[str, ...] = ()
    # The accelerator map (pattern → canonical chip); copy and extend it to map more spellings.
    accelerator_map: Path = DEFAULT_MAP
    # Files above this size are rejected unread: repos are third-party content.
    max_file_bytes: int = Field(default=64 * 1024 * 1024, gt=0)
    # Network errors of a clone, fetch or probe are retried this many times; permanent ones never are.
    sync_retries: int = Field(default=3, ge=0, le=100)
    # Seconds to wait before each retry (exponential backoff; the last delay repeats). Finite, at most a day each:
    # time.sleep refuses a negative or NaN wait and overflows on an infinite one, in the middle of a run.
    sync_retry_delays: tuple[Annotated[float, Field(ge=0, le=86400, allow_inf_nan=False)], ...] = Field(
        default=(10, 60, 300), min_length=1)
    # Parse on this many processes of this machine (1: in the flow's own process) ...
    workers: int = Field(default_factory=lambda: os.cpu_count() or 1, ge=1, le=1024)
    # ... or on the Dask cluster of this scheduler address (e.g. tcp://10.0.0.5:8786), with the `dask` extra.
    dask_address: str | None = None
    # The nightly refresh of `mlperf-warehouse serve`.
    schedule_cron: str = "0 2 * * *"
    schedule_timezone: str = "UTC"

    @field_validator("accelerator_map")
    @classmethod
    def _usable_map(cls, path: Path) -> Path:
        # Checked before the run: a bad map would otherwise publish a warehouse whose views all fail.
        try:
            load_map(path)
        except BadMap as exc:
            raise ValueError(str(exc)) from None
        return path

    @field_validator("repos")
    @classmethod
    def _one_url_per_round(cls, urls: tuple[str, ...]) -> tuple[str, ...]:
        # Refused URLs are reported by the run, which still syncs the others; two URLs for one round are ambiguous.
        repos, _ = repo_ids(urls)
        seen: dict[tuple[str, str], str] = {}
        for repo in repos:
            first = seen.setdefault((repo.suite, repo.round), repo.url)
            if first != repo.url:
                raise ValueError(f"two repositories for {repo.name}: {first} and {repo.url}; give one")
        return tuple(dict.fromkeys(urls))

    @field_validator("organization_url")
    @classmethod
    def _an_organization(cls, url: str) -> str:
        # the repositories are named under it: refused now, not as thirty failed repositories later
        reason = refusal(f"{url.rstrip('/')}/training_results_v1.0")
        if reason:
            raise ValueError(f"{url!r} cannot hold repositories: " + reason.split(": ", 1)[-1].split("; ", 1)[0])
        return url

    @field_validator("schedule_timezone")
    @classmethod
    def _a_timezone(cls, name: str) -> str:
        try:
            zoneinfo.ZoneInfo(name)
        except (ValueError, zoneinfo.ZoneInfoNotFoundError):
            raise ValueError(f"{name!r} is not an IANA time zone (e.g. UTC, Europe/Paris)") from None
        return name


class SettingsError(ValueError):
    """A setting that cannot be used, said in one line."""


_PATHS = {name for name, field in Settings.model_fields.items() if field.annotation is Path}
_LISTS = {"repos", "sync_retry_delays"}


def load_settings(flags: Mapping[str, object] | None = None, environ: Mapping[str, str] | None = None,
                  config: Path | None = None) -> Settings:
    """Settings from `flags` (only those given), the environment and the config file, in that order."""
    environ = os.environ if environ is None else environ
    values = _from_config(config, environ)
    values.update(_from_environment(environ))
    values.update({k: v for k, v in (flags or {}).items() if v is not None})
    try:
        settings = Settings(**values)
    except ValidationError as exc:
        first = exc.errors()[0]
        where, message = ".".join(str(p) for p in first["loc"]), first["msg"].removeprefix("Value error, ")
        got = "" if first["type"] == "value_error" else f" (got {first.get('input')!r})"
        raise SettingsError(f"setting {where!r}: {message}{got}") from None
    # Absolute paths: a served deployment runs its flows from another working directory. The warehouse's
    # symlinks are resolved: the lock and the replacing rename must act on the file itself, not on a link to it.
    paths = {name: getattr(settings, name).absolute() for name in _PATHS}
    return settings.model_copy(update={**paths, "db_path": settings.db_path.resolve()})


def _from_environment(environ: Mapping[str, str]) -> dict[str, object]:
    values: dict[str, object] = {}
    for name in Settings.model_fields:
        raw = environ.get(ENV_PREFIX + name.upper())
        if raw is not None:
            # lists as comma- or space-separated words: MLPERF_WAREHOUSE_REPOS="file:///a/x file:///b/y"
            values[name] = tuple(raw.replace(",", " ").split()) if name in _LISTS else raw
    return values


def _from_config(config: Path | None, environ: Mapping[str, str]) -> dict[str, object]:
    if config is None and environ.get(ENV_PREFIX + "CONFIG"):
        config = Path(environ[ENV_PREFIX + "CONFIG"])
    if config is None:
        if not DEFAULT_CONFIG.is_file():
            return {}
        config = DEFAULT_CONFIG
    try:
        values = tomllib.loads(config.read_text())
    except OSError as exc:
        raise SettingsError(f"cannot read the config file {config}: {exc.strerror}") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise SettingsError(f"config file {config} is not valid TOML: {exc}") from None
    unknown = sorted(set(values) - set(Settings.model_fields))
    if unknown:
        raise SettingsError(f"config file {config}: unknown setting {unknown[0]!r} "
                            f"(known: {', '.join(Settings.model_fields)})")
    # Paths in the file are relative to the file, wherever the command runs.
    for name in _PATHS & set(values):
        if isinstance(values[name], str):
            values[name] = config.parent / Path(values[name]).expanduser()
    return values
