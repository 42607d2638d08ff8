"""The daemon: an APScheduler 3.x scheduler with two periodic jobs, poll and deliver.

Per-policy due times live in the database (``policies.next_poll_at``), not as one scheduler job per policy, so
any number of daemons can share one PostgreSQL and a restart loses nothing.
"""

from __future__ import annotations

import logging
import threading
from datetime import UTC, datetime, timedelta

from apscheduler.schedulers.background import BackgroundScheduler

from jobs.app import App
from jobs.deliver import deliver_pending
from jobs.poll import poll_due
from storage.claims import release_claims

logger = logging.getLogger(__name__)

# From SIGTERM to exit within 10 s, whatever the archive or a receiver does: the archive's waits end at once, a
# send in flight gets this long to finish.
STOP_GRACE = timedelta(seconds=5)


def run_daemon(app: App, stop: threading.Event) -> bool:
    """Poll and deliver on schedule until ``stop`` is set, then stop within ``STOP_GRACE``: the archive is
    interrupted, so the policy in hand is given back still due. True when every job has returned; False when one
    is still stuck (a server that never answers): its claims are given back anyway, and the caller must leave the
    process without waiting for it."""
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
        args=(app, stop),
        seconds=schedule.delivery_interval.total_seconds(),
        id="deliver",
        **common,
    )
    scheduler.start()
    logger.info("daemon started: %d policies, polling every %s", len(app.settings.policies), schedule.poll_interval)
    stop.wait()
    logger.info("stopping: abandoning the work in hand")
    app.archive.interrupt()  # every wait and request to the archive ends now, with Interrupted
    return _stop(app, scheduler)


def _stop(app: App, scheduler: BackgroundScheduler) -> bool:
    """Wait up to ``STOP_GRACE`` for the jobs to return; past it, give back every claim this process holds."""
    shutdown = threading.Thread(target=scheduler.shutdown, kwargs={"wait": True}, name="stopping", daemon=True)
    shutdown.start()
    shutdown.join(STOP_GRACE.total_seconds())
    if not shutdown.is_alive():
        logger.info("stopped")
        return True
    with app.database.transaction() as session:
        release_claims(session, [app.owner])
    logger.warning(
        "stopped: a job still waits after %s (on a server that does not answer?); its claims are given "
        "back and it is left behind",
        STOP_GRACE,
    )
    return False


def _poll_job(app: App, stop: threading.Event) -> None:
    try:
        reports = poll_due(app, stop=stop)
    except Exception:  # the edge of a scheduled run: log it, the next run tries again
        logger.exception("poll run failed")
        return
    if reports and not stop.is_set():
        _deliver_job(app, stop)  # alerts queued by this run go out now, not at the next delivery tick


def _deliver_job(app: App, stop: threading.Event) -> None:
    try:
        deliver_pending(app, stop=stop)
    except Exception:
        logger.exception("delivery run failed")
