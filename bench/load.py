"""The load run: simulated learners taking a quiz again and again, and the ceiling beside it.

Each simulated learner is a thread with its own logged-in browser. A quiz is: start it (POST,
redirected to the attempt), open the attempt page, save each answer as it is given (one POST
each, as the page's script does), submit (redirected to the result) and open the review.
"""

from __future__ import annotations

import math
import statistics
import threading
import time
from dataclasses import dataclass, field

from bench.client import RADIO, SEQUENCE, Browser, path_of


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


def run(base: str, users: list[str], password: str, seconds: float, quiz_slug: str | None):
    """Runs each user's loop for ``seconds``: the quiz flow, or the ceiling page if no quiz."""
    browsers = []
    for username in users:
        browser = Browser(base)
        browser.log_in(username, password)
        browsers.append(browser)
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
    elapsed = time.monotonic() - started
    result = {
        "seconds": round(elapsed, 1),
        "requests": tally.requests,
        "requests_per_second": round(tally.requests / elapsed, 1),
        "errors": tally.errors,
    }
    if quiz_slug:
        answers = sorted(tally.answer_seconds)
        result.update(
            {
                "quizzes": tally.quizzes,
                "quizzes_per_second": round(tally.quizzes / elapsed, 2),
                "answer_p50_ms": round(1000 * statistics.median(answers), 1) if answers else None,
                "answer_p95_ms": round(1000 * percentile(answers, 95), 1) if answers else None,
            }
        )
    return result


def percentile(ordered: list[float], p: float) -> float:
    """Nearest-rank percentile of sorted values."""
    rank = max(1, math.ceil(p / 100 * len(ordered)))
    return ordered[rank - 1]
