"""The daemon: an APScheduler 3.x scheduler with two periodic jobs, poll and deliver.

Per-policy due times live in the database (``policies.next_poll_at``), not as one scheduler job per policy, so
any number of daemons can share one PostgreSQL and a restart loses nothing.
"""

from __future__ import annotations

import logging
import threading
from datetime import UTC, datetime

from apscheduler.schedulers.background import BackgroundScheduler

from jobs.app import App
from jobs.deliver import deliver_pending
from jobs.poll import poll_due

logger = logging.getLogger(__name__)


def run_daemon(app: App, stop: threading.Event) -> None:
    """Poll and deliver on schedule until ``stop`` is set, then finish the policy in hand and return."""
    scheduler = BackgroundScheduler(timezone=UTC)
    schedule = app.settings.schedule
    now = datetime.now(UTC)
    common = {"max_instances": 1, "coalesce": True, "next_run_time": now}
    scheduler.add_job(
        _poll_job, "interval", args=(app, stop), seconds=schedule.check_interval.total_seconds(), id="poll", **common
    )
    scheduler.add_job(
        _deliver_job,
        "interval",
        args=(app,),
        seconds=schedule.delivery_interval.total_seconds(),
        id="deliver",
        **common,
    )
    scheduler.start()
    logger.info("daemon started: %d policies, polling every %s", len(app.settings.policies), schedule.poll_interval)
    stop.wait()
    logger.info("stopping: finishing the work in hand")
    scheduler.shutdown(wait=True)
    logger.info("stopped")


def _poll_job(app: App, stop: threading.Event) -> None:
    try:
        reports = poll_due(app, stop=stop)
    except Exception:  # the edge of a scheduled run: log it, the next run tries again
        logger.exception("poll run failed")
        return
    if reports and not stop.is_set():
        _deliver_job(app)  # alerts queued by this run go out now, not at the next delivery tick


def _deliver_job(app: App) -> None:
    try:
        deliver_pending(app)
    except Exception:
        logger.exception("delivery run failed")
