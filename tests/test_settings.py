"""One settings object: flags over MLPERF_WAREHOUSE_* over the TOML config file over the defaults."""

from __future__ import annotations

from pathlib import Path

import pytest

from extract.repo_id import refusal
from flows.settings import DEFAULT_CONFIG, Settings, SettingsError, load_settings

REPO_A = "file:///srv/mirror/training_results_v4.0"
REPO_B = "file:///srv/mirror/inference_results_v4.1"


def test_precedence_flags_then_environment_then_file_then_defaults(tmp_path):
    config = tmp_path / "etc" / "warehouse.toml"
    config.parent.mkdir()
    config.write_text(f'db_path = "data/w.duckdb"\ncache_dir = "/var/cache/mlperf"\nrepos = ["{REPO_A}"]\n'
                      'sync_retries = 5\nschedule_cron = "0 4 * * *"\n')
    environ = {"MLPERF_WAREHOUSE_SYNC_RETRIES": "1", "MLPERF_WAREHOUSE_REPOS": f"{REPO_A}, {REPO_B}",
               "MLPERF_WAREHOUSE_SCHEDULE_TIMEZONE": "Europe/Paris"}
    settings = load_settings({"schedule_cron": "30 1 * * *", "db_path": None}, environ, config)
    assert settings.db_path == config.parent / "data" / "w.duckdb"  # relative to the file that says it
    assert settings.cache_dir == Path("/var/cache/mlperf")
    assert settings.repos == (REPO_A, REPO_B)  # the environment over the file
    assert settings.sync_retries == 1
    assert (settings.schedule_cron, settings.schedule_timezone) == ("30 1 * * *", "Europe/Paris")  # the flag first
    assert settings.organization_url == Settings().organization_url


def test_config_file_from_the_environment_or_the_working_directory(tmp_path, monkeypatch):
    named = tmp_path / "named.toml"
    named.write_text("sync_retries = 7\n")
    assert load_settings({}, {"MLPERF_WAREHOUSE_CONFIG": str(named)}).sync_retries == 7
    monkeypatch.chdir(tmp_path)
    assert load_settings({}, {}).sync_retries == Settings().sync_retries
    (tmp_path / DEFAULT_CONFIG).write_text("sync_retries = 2\n")
    assert load_settings({}, {}).sync_retries == 2
    assert load_settings({}, {}).db_path == tmp_path / "mlperf.duckdb"  # paths are absolute


@pytest.mark.parametrize("environ, says", [
    ({"MLPERF_WAREHOUSE_SYNC_RETRIES": "many"}, "setting 'sync_retries'"),
    ({"MLPERF_WAREHOUSE_MAX_FILE_BYTES": "0"}, "setting 'max_file_bytes'"),
    ({"MLPERF_WAREHOUSE_REPOS": f"{REPO_A} file:///elsewhere/training_results_v4.0"}, "two repositories for training_results_v4.0"),
    ({"MLPERF_WAREHOUSE_REPOS": f"{REPO_A} /srv/mirror/training_results_v4.0"}, "two repositories for training_results_v4.0"),
    ({"MLPERF_WAREHOUSE_ORGANIZATION_URL": "mirrors"}, "'mirrors' cannot hold repositories: a folder is given by its absolute path"),
])
def test_a_bad_value_is_one_line(environ, says):
    with pytest.raises(SettingsError) as error:
        load_settings({}, environ)
    assert says in str(error.value) and "\n" not in str(error.value)


def test_a_folder_is_taken_by_its_absolute_path_only():
    assert refusal("/srv/mirror/training_results_v4.0") is None
    assert refusal("/srv/a::b/training_results_v4.0") is None  # git reads it as a path, never as a remote helper
    assert load_settings({"organization_url": "/srv/mirror"}, {}).organization_url == "/srv/mirror"
    for relative in ("mirror/training_results_v4.0", "./training_results_v4.0", "~/mirror/training_results_v4.0"):
        assert refusal(relative) == (f"{relative!r}: a folder is given by its absolute path (/path/to/training_results_vX.Y): "
                                     "a served run starts in another folder, and git does not expand ~")
    assert refusal("/srv/mirror\n/training_results_v4.0").endswith("a folder's path with control characters is not taken")
    assert refusal("-c/training_results_v4.0").endswith("looks like an option, not a repository URL")
