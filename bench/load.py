"""The load run: simulated learners taking a quiz again and again, and the ceiling beside it.

Each simulated learner is a thread with its own logged-in browser; the learners are spread
over a few processes, as real browsers do not share one interpreter lock. A quiz is: start it
(POST, redirected to the attempt), open the attempt page, save each answer as it is given
(one POST each, as the page's script does), submit (redirected to the result) and open the
review. The ceiling and the quiz can run in turns by the same logged-in learners
(``run_alternating``), so that both meet the same speeds of a machine whose speed drifts.
"""

from __future__ import annotations

import math
import multiprocessing
import statistics
import threading
import time
from dataclasses import dataclass, field

from bench.client import RADIO, SEQUENCE, Browser, path_of

PROCESSES = 4  # load processes the simulated learners are spread over


@dataclass
class Tally:
    requests: int = 0
    errors: int = 0
    quizzes: int = 0
    answer_seconds: list[float] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, *, requests=0, errors=0, quizzes=0, answers=()):
        with self.lock:
            self.requests += requests
            self.errors += errors
            self.quizzes += quizzes
            self.answer_seconds.extend(answers)


def _take_quiz(browser: Browser, quiz_slug: str, tally: Tally) -> None:
    start = browser.post(f"/quizzes/{quiz_slug}/start/")
    if start.status != 302:
        tally.add(requests=1, errors=1)
        return
    attempt_path = path_of(start.location)
    page = browser.get(attempt_path)
    requests = 2
    if page.status != 200:
        tally.add(requests=requests, errors=1)
        return
    keys: dict[str, str] = {}
    for position, key in RADIO.findall(page.text):
        keys.setdefault(position, key)
    sequences = dict(SEQUENCE.findall(page.text))
    answers = []
    for position in sorted(keys, key=int):
        saved = browser.post(
            f"{attempt_path}questions/{position}/",
            {f"q{position}": keys[position], f"seq{position}": sequences[position]},
        )
        requests += 1
        if saved.status != 200:
            tally.add(requests=requests, errors=1, answers=answers)
            return
        answers.append(saved.seconds)
    submitted = browser.post(f"{attempt_path}submit/")
    review = browser.get(path_of(submitted.location)) if submitted.status == 302 else None
    requests += 2 if review else 1
    ok = review is not None and review.status == 200
    tally.add(requests=requests, errors=0 if ok else 1, quizzes=1 if ok else 0, answers=answers)


def _ceiling(browser: Browser, tally: Tally) -> None:
    response = browser.get("/bench/ceiling/")
    tally.add(requests=1, errors=0 if response.status == 200 else 1)


def _logged_in(base: str, users: list[str], password: str) -> list[Browser]:
    browsers = []
    for username in users:
        browser = Browser(base)
        browser.log_in(username, password)
        browsers.append(browser)
    return browsers


def _loop(browsers: list[Browser], seconds: float, quiz_slug: str | None) -> tuple[Tally, float]:
    """Each browser in a thread of its own, taking the quiz (or the ceiling page) again and
    again for ``seconds``; returns the tally and the time it took."""
    tally = Tally()
    deadline = time.monotonic() + seconds

    def loop(browser: Browser) -> None:
        while time.monotonic() < deadline:
            if quiz_slug:
                _take_quiz(browser, quiz_slug, tally)
            else:
                _ceiling(browser, tally)

    threads = [threading.Thread(target=loop, args=(b,)) for b in browsers]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return tally, time.monotonic() - started


def _process(base, users, password, phases, barrier, results) -> None:
    """One load process: logs its learners in once, then runs each phase (seconds, quiz slug
    or None for the ceiling page) when every process is ready for it; reports each."""
    try:
        browsers = _logged_in(base, users, password)
        reports = []
        for seconds, quiz_slug in phases:
            barrier.wait(timeout=120)
            tally, elapsed = _loop(browsers, seconds, quiz_slug)
            reports.append(
                (tally.requests, tally.errors, tally.quizzes, tally.answer_seconds, elapsed)
            )
    except Exception as exc:  # reported to the parent, which stops the run
        barrier.abort()
        results.put(f"{type(exc).__name__}: {exc}")
        return
    results.put(reports)


def run_alternating(
    base: str,
    users: list[str],
    password: str,
    seconds: float,
    quiz_slug: str,
    slices: int,
    processes: int = PROCESSES,
) -> tuple[dict, dict]:
    """The ceiling page and the quiz, ``seconds`` of each in all, taken in turns of
    ``seconds / slices`` by the same logged-in learners: this machine's speed drifts by a
    tenth or more over minutes, and in turns both are measured at the same speeds. Returns
    the ceiling's result and the quiz's, each over all its turns, with every turn's
    requests per second."""
    turn = seconds / slices
    phases = [phase for _ in range(slices) for phase in ((turn, None), (turn, quiz_slug))]
    done = run_phases(base, users, password, phases, processes)
    return _summary(done[0::2]), _summary(done[1::2])


def _summary(turns: list[dict]) -> dict:
    """One or more phases of the same kind as one result: requests over their time together
    (and each turn's requests per second, if more than one)."""
    seconds = sum(t["seconds"] for t in turns)
    requests = sum(t["requests"] for t in turns)
    result = {
        "seconds": round(seconds, 1),
        "requests": requests,
        "requests_per_second": round(requests / seconds, 1),
        "errors": sum(t["errors"] for t in turns),
        "processes": turns[0]["processes"],
    }
    if len(turns) > 1:
        result["turns_requests_per_second"] = [
            round(t["requests"] / t["seconds"], 1) for t in turns
        ]
    if "quizzes" in turns[0]:
        answers = sorted(a for t in turns for a in t["answer_seconds"])
        quizzes = sum(t["quizzes"] for t in turns)
        result.update(
            {
                "quizzes": quizzes,
                "quizzes_per_second": round(quizzes / seconds, 2),
                "answer_p50_ms": round(1000 * statistics.median(answers), 1) if answers else None,
                "answer_p95_ms": round(1000 * percentile(answers, 95), 1) if answers else None,
            }
        )
    return result


def run_phases(
    base: str,
    users: list[str],
    password: str,
    phases: list[tuple[float, str | None]],
    processes: int = PROCESSES,
) -> list[dict]:
    """Runs the phases in order, each user's loop for the phase's seconds: the quiz flow, or
    the ceiling page if no quiz. One raw result per phase, for ``_summary``.

    The users are spread over ``processes`` processes (threads within each), logged in once.
    In a single Python process the learners' own work between requests (reading a page for
    its keys, building the next request) queues for one interpreter lock, which sixteen
    browsers do not share: the load generator, not the server, then limits the quiz flow,
    which does more of that work than the bare page (bench/README.md, 5 December 2026).
    """
    processes = max(1, min(processes, len(users)))
    context = multiprocessing.get_context("fork")
    barrier = context.Barrier(processes)
    results = context.Queue()
    workers = [
        context.Process(
            target=_process,
            args=(base, users[index::processes], password, phases, barrier, results),
        )
        for index in range(processes)
    ]
    for worker in workers:
        worker.start()
    total = sum(seconds for seconds, _ in phases)
    reports = [results.get(timeout=total + 300) for _ in workers]
    for worker in workers:
        worker.join()
    failures = [report for report in reports if isinstance(report, str)]
    if failures:
        raise RuntimeError(f"A load process failed: {failures[0]}")
    done = []
    for index, (_, quiz_slug) in enumerate(phases):
        phase = [report[index] for report in reports]
        result = {
            "seconds": max(r[4] for r in phase),
            "requests": sum(r[0] for r in phase),
            "errors": sum(r[1] for r in phase),
            "processes": processes,
        }
        if quiz_slug:
            result["quizzes"] = sum(r[2] for r in phase)
            result["answer_seconds"] = [seconds for r in phase for seconds in r[3]]
        done.append(result)
    return done


def percentile(ordered: list[float], p: float) -> float:
    """Nearest-rank percentile of sorted values."""
    rank = max(1, math.ceil(p / 100 * len(ordered)))
    return ordered[rank - 1]
