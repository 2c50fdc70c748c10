"""Benchmarks at hospital scale: pages under gunicorn on SQLite and PostgreSQL, and a load run.

    .venv/bin/python bench/run.py                       # both databases, seeding if needed
    .venv/bin/python bench/run.py --backends sqlite --requests 10 --load-seconds 15

For each database it migrates and seeds (``seed_scale``, once: minutes), collects the static
files, starts gunicorn (2 workers, loopback only), then:

* times the completion report (all rows, and one course and cohort), its CSV export of every
  row, the item analysis of the busiest quiz (from the cache, and recalculated) and a
  learner's dashboard: median and 95th percentile of sequential requests, to the last byte;
* runs 16 simulated learners taking a 10-question quiz again and again for 30 s, beside a bare
  logged-in page served the same way (the ceiling) for 30 s, in six turns of 5 s each, and
  counts the queries of one whole quiz;
* measures the CSV export's peak memory for one cohort and for every row.

Prints a table and writes JSON to bench/results/ (not committed); bench/README.md records the
figures. PostgreSQL's JIT is turned off for the connection (``options=-c jit=off``): it spends
seconds compiling the report's query plans and gains nothing on queries this size.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import redis  # noqa: E402

from bench.client import Browser  # noqa: E402
from bench.load import PROCESSES as load_processes  # noqa: E402
from bench.load import percentile  # noqa: E402
from bench.load import run_alternating as load_alternating  # noqa: E402

PYTHON = str(ROOT / ".venv" / "bin" / "python")
GUNICORN = str(ROOT / ".venv" / "bin" / "gunicorn")
DEFAULT_SQLITE = "/tmp/miss-bench/scale.sqlite3"
DEFAULT_POSTGRES = "postgres://postgres@127.0.0.1:5432/miss_bench"
DEFAULT_REDIS = "redis://127.0.0.1:6379/14"


def environment(backend: str, args) -> dict[str, str]:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "bench.settings",
        "PYTHONPATH": str(ROOT),
        "SECRET_KEY": "bench-only-secret-key-never-used-elsewhere",
        "DEBUG": "0",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "SECURE_SSL_REDIRECT": "0",
        "SECURE_COOKIES": "0",
        "LOG_LEVEL": "WARNING",
        "AXES_FAILURE_LIMIT": "1000",
    }
    env.pop("DATABASE_URL", None)
    env.pop("REDIS_URL", None)
    env.pop("TESTING", None)
    if backend == "sqlite":
        Path(args.sqlite).parent.mkdir(parents=True, exist_ok=True)
        env["SQLITE_PATH"] = args.sqlite
    else:
        separator = "&" if "?" in args.postgres else "?"
        env["DATABASE_URL"] = f"{args.postgres}{separator}options=-c%20jit%3Doff"
    if args.redis:
        env["REDIS_URL"] = args.redis
    return env


def manage(env, *arguments, capture=False) -> str:
    command = [PYTHON, str(ROOT / "manage.py"), *arguments]
    result = subprocess.run(
        command, env=env, cwd=ROOT, check=True, capture_output=capture, text=True
    )
    return result.stdout if capture else ""


def script(env, name: str, *arguments) -> str:
    command = [PYTHON, "-m", f"bench.{name}", *arguments]
    result = subprocess.run(command, env=env, cwd=ROOT, check=True, capture_output=True, text=True)
    return result.stdout.strip()


def prepare(backend: str, env, args) -> dict:
    if backend == "postgres":
        create_database(args.postgres)
    manage(env, "migrate", "--noinput", "-v0")
    if script(env, "prepare", "--seeded") != "yes":
        print(f"[{backend}] seeding the scale data set (minutes)...", flush=True)
        started = time.monotonic()
        manage(
            env, "seed_scale", "--learners", str(args.learners), "--attempts", str(args.attempts)
        )
        print(f"[{backend}] seeded in {time.monotonic() - started:.0f} s", flush=True)
    manage(env, "collectstatic", "--noinput", "-v0")
    return json.loads(script(env, "prepare"))


def create_database(url: str) -> None:
    """Creates the PostgreSQL database if it is missing (psql, as the URL's user)."""
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    base = ["psql", "-h", parts.hostname or "127.0.0.1", "-p", str(parts.port or 5432)]
    base += ["-U", parts.username or "postgres", "-d", "postgres", "-Atc"]
    found = subprocess.run(
        [*base, f"SELECT 1 FROM pg_database WHERE datname = '{name}'"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    if not found:
        subprocess.run([*base, f'CREATE DATABASE "{name}"'], check=True, capture_output=True)


def redis_answers(url: str) -> bool:
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    try:
        with socket.create_connection((parts.hostname, parts.port or 6379), timeout=1) as sock:
            sock.sendall(b"PING\r\n")
            return sock.recv(16).startswith(b"+PONG")
    except OSError:
        return False


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Gunicorn:
    """gunicorn on a loopback port, 2 sync workers; stopped by the pid it was started with."""

    def __init__(self, env, workers: int = 2, threads: int = 1):
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        command = [
            GUNICORN,
            "config.wsgi:application",
            "--bind",
            f"127.0.0.1:{self.port}",
            "--workers",
            str(workers),
            "--threads",
            str(threads),
            "--timeout",
            "300",
            "--log-level",
            "warning",
        ]
        self.process = subprocess.Popen(command, env=env, cwd=ROOT, start_new_session=True)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if Browser(self.base).get("/healthz").status == 200:
                    return
            except OSError:
                time.sleep(0.3)
        self.stop()
        raise RuntimeError("gunicorn did not answer /healthz within 60 s")

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            self.process.wait(timeout=30)


def timed(browser: Browser, path: str, n: int, warmups: int = 2, **kwargs) -> dict:
    for _ in range(warmups):
        browser.get(path, **kwargs)
    seconds = []
    for _ in range(n):
        response = browser.get(path, **kwargs)
        if response.status != 200:
            raise RuntimeError(f"{path}: HTTP {response.status}")
        seconds.append(response.seconds)
    ordered = sorted(seconds)
    return {
        "n": n,
        "median_ms": round(1000 * statistics.median(ordered), 1),
        "p95_ms": round(1000 * percentile(ordered, 95), 1),
    }


def pages(base: str, t: dict, n: int) -> dict:
    admin, educator, learner = Browser(base), Browser(base), Browser(base)
    admin.log_in(t["admin"], t["password"])
    educator.log_in(t["educator"], t["password"])
    learner.log_in(t["learner"], t["password"])
    item = f"/item-analysis/quizzes/{t['item_quiz']}/"
    results = {
        "report, all rows": timed(admin, "/reports/completion/", n),
        "report, one course and cohort": timed(
            admin, f"/reports/completion/?course={t['onboarding']}&cohort={t['cohort']}", n
        ),
        "report, overdue sorted by progress, page 20": timed(
            admin, "/reports/completion/?status=overdue&sort=-percent&page=20", n
        ),
        "CSV export, every row": timed(
            admin, "/reports/completion.csv", max(3, n // 4), warmups=1, stream=True
        ),
        "learner dashboard": timed(learner, "/", n),
    }
    cold = []
    recalculations = max(5, n // 2)
    for _ in range(recalculations):
        # "Recalculate now" computes the analysis afresh, then the page it redirects to shows it.
        cold.append(educator.post(item).seconds + educator.get(item).seconds)
    results["item analysis, recalculated"] = {
        "n": recalculations,
        "median_ms": round(1000 * statistics.median(cold), 1),
        "p95_ms": round(1000 * percentile(sorted(cold), 95), 1),
    }
    results["item analysis, from the cache"] = timed(educator, item, n, warmups=4)
    final = f"/item-analysis/quizzes/{t['final_quiz']}/"
    cold = [
        educator.post(final).seconds + educator.get(final).seconds for _ in range(recalculations)
    ]
    results["item analysis of the final (200 questions), recalculated"] = {
        "n": recalculations,
        "median_ms": round(1000 * statistics.median(cold), 1),
        "p95_ms": round(1000 * percentile(sorted(cold), 95), 1),
    }
    results["completion by cohort"] = timed(admin, "/reports/cohorts/", max(5, n // 2))
    results["learner drill-down"] = timed(
        admin, f"/reports/learners/{t['learner_id']}/", max(5, n // 2)
    )
    results["item analysis by cohort, surgical techs (cached)"] = timed(
        educator,
        f"/item-analysis/cohorts/?quiz={t['final_quiz_id']}&role=surgical_tech&group=risk",
        max(5, n // 2),
    )
    rows = Browser(base)
    rows.cookies = dict(admin.cookies)
    size = rows.get("/reports/completion.csv", stream=True)
    results["CSV export, every row"]["bytes"] = int(size.body)
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--backends", default="sqlite,postgres")
    parser.add_argument("--sqlite", default=DEFAULT_SQLITE)
    parser.add_argument("--postgres", default=DEFAULT_POSTGRES)
    parser.add_argument(
        "--redis",
        default="auto",
        help="REDIS_URL for cache and sessions, as in a scale-out; 'auto' (the default) uses "
        f"{DEFAULT_REDIS} if it answers, '' runs without Redis",
    )
    parser.add_argument("--learners", type=int, default=10_000)
    parser.add_argument("--attempts", type=int, default=150_000)
    parser.add_argument("--requests", type=int, default=20, help="timed requests per page")
    parser.add_argument("--load-seconds", type=float, default=30)
    parser.add_argument(
        "--threads", type=int, default=1, help="threads per gunicorn worker (1: sync workers)"
    )
    parser.add_argument(
        "--load-processes",
        type=int,
        default=load_processes,
        help="processes the 16 simulated learners are spread over (threads within each)",
    )
    parser.add_argument(
        "--load-turns",
        type=int,
        default=6,
        help="turns the load run's ceiling and quiz taking alternate in",
    )
    parser.add_argument("--skip-load", action="store_true")
    parser.add_argument("--skip-pages", action="store_true", help="only the load run")
    args = parser.parse_args()
    if args.redis == "auto":
        args.redis = DEFAULT_REDIS if redis_answers(DEFAULT_REDIS) else ""

    stamp = datetime.datetime.now().strftime("%Y-%m-%d %H:%M")
    all_results = {
        "date": stamp,
        "cpus": os.cpu_count(),
        "redis": args.redis or None,
        "gunicorn": {"workers": 2, "threads": args.threads},
        "load_processes": args.load_processes,
        "backends": {},
    }
    for backend in args.backends.split(","):
        env = environment(backend, args)
        targets = prepare(backend, env, args)
        if args.redis:
            # Both data sets use the same user ids: no cached user or session may cross over.
            redis.Redis.from_url(args.redis).flushdb()
        server = Gunicorn(env, threads=args.threads)
        try:
            results = {}
            if not args.skip_pages:
                print(f"[{backend}] timing pages on {server.base}", flush=True)
                results["pages"] = pages(server.base, targets, args.requests)
            if not args.skip_load:
                print(f"[{backend}] load run: ceiling and quiz taking in turns", flush=True)
                # The same logged-in learners request the ceiling page and take the quiz in
                # turns (bench/load.py), so a machine whose speed drifts compares like with
                # like.
                results["ceiling"], results["quiz taking"] = load_alternating(
                    server.base,
                    targets["load_learners"],
                    targets["password"],
                    args.load_seconds,
                    targets["load_quiz"],
                    args.load_turns,
                    args.load_processes,
                )
                results["quiz taking"]["share_of_ceiling"] = round(
                    results["quiz taking"]["requests_per_second"]
                    / results["ceiling"]["requests_per_second"],
                    3,
                )
        finally:
            server.stop()
        results["queries per quiz"] = json.loads(
            script(env, "quiz_queries", targets["load_quiz"], targets["load_learners"][0])
        )
        results["export memory"] = json.loads(script(env, "export_memory"))
        all_results["backends"][backend] = results
        print(json.dumps(results, indent=2), flush=True)

    out = ROOT / "bench" / "results"
    out.mkdir(exist_ok=True)
    name = f"{datetime.date.today():%Y-%m-%d}-{'-'.join(all_results['backends'])}.json"
    (out / name).write_text(json.dumps(all_results, indent=2))
    print(f"Results written to {out / name}")


if __name__ == "__main__":
    main()
