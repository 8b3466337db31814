"""The warehouse's tables by name, in load order: what `warehouse.verify` checks a file against, without their models
(schemas.py), whose import (pandera, with pandas) takes a second the command can spend while Prefect starts."""

TABLE_NAMES = (
    "sources", "systems", "training_runs", "training_evals", "training_scores", "training_power", "inference_results",
    "inference_power", "inference_accuracy", "inference_compliance", "official_results", "official_training_scores",
    "accelerator_models", "rejects", "ingest_runs", "round_versions", "changes", "official_result_versions",
    "official_training_score_versions",
)
