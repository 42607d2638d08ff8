"""Time ``policy-monitor sections`` and ``section-history`` on a whole policy history (Facebook's, 492 versions).

For each database — a temporary SQLite file, and a throwaway schema of the PostgreSQL named by
``$POLICY_MONITOR_TEST_DATABASE_URL`` when that is set (dropped afterwards) — the script

1. imports the history the way a poll imports a newly tracked policy's past: per version, in one transaction,
   ``storage.versions.add_version`` and ``jobs.store_version.store_version_text`` (section identities carried over,
   the change stored), skipping a text equal to the latest one as the poll does; it prints the import time;
2. picks sections to ask about: the one with the most recorded changes (asked by its latest path), and one that
   was renamed or moved (asked by id, and by a path it had before, if any);
3. times each command, ``--json`` and plain, two ways: in process through click's ``CliRunner`` (the command's
   own work: opening the app, the queries, rendering), and as a user runs it, ``policy-monitor --config FILE ...``
   in a subprocess (interpreter start and imports included). Printed: the best and the median of ``--repeat``
   runs, and how many lines, sections or changes the answer held; and, for scale, ``policy-monitor --help`` in a
   subprocess, which does no work but start.

Target (issue 4): under a second for Facebook's privacy policy.

Usage: ``.venv/bin/python benchmarks/section_history.py [--corpus DIR] [--document NAME] [--limit N] [--repeat N]``
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from click.testing import CliRunner, Result
from sqlalchemy import create_engine, func, select
from sqlalchemy.engine import Connection

from jobs.app import App, open_app
from jobs.cli import cli
from jobs.config import load_settings
from jobs.store_version import parsed_version, store_version_text, text_hash
from monitor.compare.sections import ParsedText
from monitor.extract.pipeline import EXTRACTOR_VERSION
from monitor.models import Document, Version
from storage import queries
from storage.db import normalize_url
from storage.schema import SectionChangeRecord, VersionRecord
from storage.versions import add_version
from tests.databases import throwaway_schema

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_CORPUS = ROOT.parent / "shared" / "corpus"
DEFAULT_DOCUMENT = "facebook-privacy-policy"
POLICY = "Facebook"
URL = "https://www.facebook.com/privacy/policy/"
TARGET_SECONDS = 1.0
ENV_TEST_DATABASE = "POLICY_MONITOR_TEST_DATABASE_URL"
ENV_DATABASE = "POLICY_MONITOR_DATABASE_URL"  # overrides [storage] url: set to ours for every run

CONFIG = """
[storage]
url = "{url}"
[wayback]
base_url = "http://127.0.0.1:9"
user_agent = "policy-monitor-benchmark (+mailto:bench@example.org)"
[email]
smtp_host = "127.0.0.1"
smtp_port = 9
sender = "policy-monitor@example.org"
recipients = ["privacy-team@example.org"]
[[policies]]
name = "{policy}"
url = "{policy_url}"
"""


@dataclass(frozen=True)
class Question:
    label: str
    args: tuple[str, ...]  # after --config FILE


@dataclass(frozen=True)
class Timing:
    label: str
    in_process: list[float]
    subprocess: list[float]
    answer: str  # what the answer held, for the reader to check it is not empty


# --- databases ---------------------------------------------------------------------------------------


@contextmanager
def sqlite_database(folder: Path) -> Iterator[str]:
    yield f"sqlite:///{folder / 'section-history.db'}"


def postgresql_database(base: str) -> AbstractContextManager[str]:
    """A fresh schema of the configured PostgreSQL, dropped afterwards."""
    return throwaway_schema(base, "bench")


# --- import ------------------------------------------------------------------------------------------


def import_history(config: Path, folder: Path, limit: int | None) -> tuple[int, int, float]:
    """Store every version of the history as a poll importing a policy's past does: (versions, stored, seconds)."""
    versions = json.loads((folder / "versions.json").read_text())["versions"][:limit]
    app = open_app(load_settings(config))
    stored = 0
    last: ParsedText | None = None  # the version stored last, as parsed (the poll keeps it too)
    start = time.perf_counter()
    try:
        for entry in versions:
            markdown = (folder / entry["file"]).read_text()
            parsed = _store(app, entry["timestamp"], markdown, last)
            if parsed is not None:
                stored, last = stored + 1, parsed
    finally:
        app.close()
    return len(versions), stored, time.perf_counter() - start


def _store(app: App, timestamp: str, markdown: str, last: ParsedText | None) -> ParsedText | None:
    """The new version as parsed, if the text made one (the poll's ``_store_version``, without the capture row
    and alerts); ``last``: the version stored last, as parsed."""
    # No title: a title would add a heading above every corpus text; without one the text is stored as it is.
    document = Document(title="", body=markdown)
    version = Version(
        document, timestamp, URL, text_hash=text_hash(document.markdown), extractor_version=EXTRACTOR_VERSION
    )
    with app.database.transaction() as session:
        policy = queries.policy_by_name(session, POLICY)
        assert policy is not None
        latest = queries.latest_version(session, policy.id)
        if latest is not None and latest.text_hash == version.text_hash:
            return None
        earlier = queries.earlier_version_with_text(session, policy.id, version.text_hash)
        version_id = add_version(session, policy.id, version)
        stored = store_version_text(
            session,
            policy.id,
            version=(version_id, version.markdown),
            previous=parsed_version(latest.id, latest.markdown, last) if latest else None,
            reverted_to=earlier.id if earlier else None,
            alert_on=None,  # the past is history, not news
        )
    return stored.version.parsed


# --- questions ---------------------------------------------------------------------------------------


def questions(config: Path, url: str) -> list[Question]:
    """The commands to time: the tree now and long ago, and the history of a busy and of a renamed section."""
    engine = create_engine(normalize_url(url))
    try:
        with engine.connect() as connection:
            busiest, busiest_count = _busiest_section(connection)
            renamed = _renamed_section(connection)
            first_date = str(connection.execute(select(func.min(VersionRecord.captured_at))).scalar_one())[:10]
    finally:
        engine.dispose()
    tree = json.loads(_invoke(config, ("sections", POLICY, "--json")).output)
    busiest_path = next((s["path"] for s in tree["sections"] if s["id"] == busiest), str(busiest))
    asked = [
        Question("sections (latest)", ("sections", POLICY)),
        Question("sections --json (latest)", ("sections", POLICY, "--json")),
        Question(f"sections --at {first_date}", ("sections", POLICY, "--at", first_date)),
        Question(
            f"section-history busiest ({busiest_count} changes) by path", ("section-history", POLICY, busiest_path)
        ),
        Question("section-history busiest by path --json", ("section-history", POLICY, busiest_path, "--json")),
    ]
    if renamed is not None:
        section_id, kind, old_path = renamed
        asked.append(Question(f"section-history {kind} section by id", ("section-history", POLICY, str(section_id))))
        asked.append(Question(f"section-history {kind} section by old path", ("section-history", POLICY, old_path)))
    return asked


def _busiest_section(connection: Connection) -> tuple[int, int]:
    count = func.count(SectionChangeRecord.id)
    row = connection.execute(
        select(SectionChangeRecord.section_id, count)
        .where(SectionChangeRecord.section_id.is_not(None))
        .group_by(SectionChangeRecord.section_id)
        .order_by(count.desc(), SectionChangeRecord.section_id)
        .limit(1)
    ).one()
    return int(row[0]), int(row[1])


def _renamed_section(connection: Connection) -> tuple[int, str, str] | None:
    """A section that was renamed (else moved): its id, the kind, and the path it had before."""
    for kind in ("renamed", "moved"):
        row = connection.execute(
            select(SectionChangeRecord.section_id, SectionChangeRecord.old_path)
            .where(SectionChangeRecord.kind == kind, SectionChangeRecord.section_id.is_not(None))
            .order_by(SectionChangeRecord.id)
            .limit(1)
        ).first()
        if row is not None:
            return int(row[0]), kind, str(row[1])
    return None


# --- timing ------------------------------------------------------------------------------------------


def _invoke(config: Path, args: tuple[str, ...]) -> Result:
    result = CliRunner().invoke(cli, ["--config", str(config), *args], catch_exceptions=False)
    if result.exit_code != 0:
        raise SystemExit(f"policy-monitor {' '.join(args)} failed ({result.exit_code}): {result.output[-500:]}")
    return result


def time_question(config: Path, url: str, question: Question, repeat: int) -> Timing:
    in_process = [_timed(lambda: _invoke(config, question.args)) for _ in range(repeat)]
    command = [*_command(), "--config", str(config), *question.args]
    env = {**os.environ, ENV_DATABASE: url}
    outputs: list[str] = []

    def run() -> None:
        done = subprocess.run(command, capture_output=True, text=True, env=env, check=False, cwd=ROOT)
        if done.returncode != 0:
            raise SystemExit(f"{' '.join(command)} failed ({done.returncode}): {done.stderr[-500:]}")
        outputs.append(done.stdout)

    in_subprocess = [_timed(run) for _ in range(repeat)]
    return Timing(question.label, in_process, in_subprocess, _answer(outputs[-1]))


def _command() -> list[str]:
    script = ROOT / ".venv" / "bin" / "policy-monitor"
    return [str(script)] if script.exists() else [sys.executable, "-c", "from jobs.cli import main; main()"]


def _help() -> None:
    subprocess.run([*_command(), "--help"], capture_output=True, check=True)


def _timed(call: Callable[[], object]) -> float:
    start = time.perf_counter()
    call()
    return time.perf_counter() - start


def _answer(output: str) -> str:
    try:
        data = json.loads(output)
    except json.JSONDecodeError:
        return f"{len(output.splitlines())} lines"
    if "changes" in data:
        return f"{len(data['changes'])} changes"
    return f"{len(data.get('sections', []))} sections"


# --- output ------------------------------------------------------------------------------------------


def print_timings(name: str, timings: list[Timing]) -> None:
    print(f"\n{name}: seconds, best / median of {len(timings[0].in_process)} runs")
    print(f"  {'command':58s} {'in process':>17s} {'subprocess':>17s}  answer")
    for timing in timings:
        inner, outer = timing.in_process, timing.subprocess
        print(
            f"  {timing.label:58s} {min(inner):7.3f} / {statistics.median(inner):7.3f} "
            f"{min(outer):7.3f} / {statistics.median(outer):7.3f}  {timing.answer}"
        )
    startup = min(_timed(_help) for _ in range(3))
    print(f"  {'policy-monitor --help (starting up only)':58s} {'':17s} {startup:7.3f}")
    worst = max(statistics.median(t.subprocess) for t in timings)
    worst_inner = max(statistics.median(t.in_process) for t in timings)
    verdict = "met" if worst < TARGET_SECONDS else "NOT met"
    print(
        f"  slowest median: {worst_inner:.3f} s in process, {worst:.3f} s as a command; "
        f"target < {TARGET_SECONDS:.0f} s: {verdict}"
    )


def run_database(name: str, url: str, folder: Path, work: Path, limit: int | None, repeat: int) -> None:
    config = work / f"config-{name}.toml"
    config.write_text(CONFIG.format(url=url, policy=POLICY, policy_url=URL))
    previous = os.environ.get(ENV_DATABASE)
    os.environ[ENV_DATABASE] = url  # the in-process commands read it too
    try:
        versions, stored, seconds = import_history(config, folder, limit)
        print(f"\n{name}: imported {versions} versions of {folder.name} ({stored} stored) in {seconds:.1f} s")
        timings = [time_question(config, url, question, repeat) for question in questions(config, url)]
        print_timings(name, timings)
    finally:
        if previous is None:
            os.environ.pop(ENV_DATABASE, None)
        else:
            os.environ[ENV_DATABASE] = previous


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--document", default=DEFAULT_DOCUMENT)
    parser.add_argument("--limit", type=int, default=None, help="import only the first N versions")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    folder = args.corpus / "histories" / args.document
    work = Path(tempfile.mkdtemp(prefix="section-history-"))
    try:
        with sqlite_database(work) as url:
            run_database("SQLite", url, folder, work, args.limit, args.repeat)
        base = os.environ.get(ENV_TEST_DATABASE)
        if base:
            with postgresql_database(base) as url:
                run_database("PostgreSQL", url, folder, work, args.limit, args.repeat)
        else:
            print(f"\n(PostgreSQL skipped: set ${ENV_TEST_DATABASE}, e.g. postgresql://postgres@127.0.0.1:5432/test)")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
