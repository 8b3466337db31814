"""The nightly schedule: serve the ingest flow as a Prefect deployment with a cron schedule."""

from __future__ import annotations

from prefect.schedules import Cron

from flows.ingest import ingest
from flows.settings import Settings

DEPLOYMENT = "nightly"


def serve(settings: Settings) -> None:
    """Register the deployment on the Prefect server of PREFECT_API_URL and run its scheduled flow runs (blocks)."""
    ingest.serve(
        name=DEPLOYMENT,
        schedules=[Cron(settings.schedule_cron, timezone=settings.schedule_timezone)],
        parameters={"settings": settings.model_dump(mode="json")},
        global_limit=1,  # a run triggered during the nightly one waits for it instead of finding the warehouse busy
        description="Refresh the MLPerf warehouse from the MLCommons results repositories.",
    )
