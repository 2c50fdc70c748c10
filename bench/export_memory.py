"""Memory of the CSV export: the peak Python allocation while writing one cohort's rows (some
70), one course's (some 6,700) and every row (some 13,300). Rows are read 2,000 at a time, so
the peak stops growing once an export passes that. Runs in-process, under tracemalloc (so its
times are not the export's); prints JSON."""

from __future__ import annotations

import json
import os
import time
import tracemalloc

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")
django.setup()

from training.models import Cohort, Course  # noqa: E402
from training.reports import ReportFilters, csv_lines, report_iter  # noqa: E402


def measure(filters: ReportFilters) -> dict:
    tracemalloc.start()
    started = time.perf_counter()
    rows = size = 0
    for line in csv_lines(report_iter(filters)):
        rows += 1
        size += len(line)
    seconds = time.perf_counter() - started
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return {"rows": rows - 1, "bytes": size, "peak_kib": round(peak / 1024), "seconds": seconds}


if __name__ == "__main__":
    cohort = Cohort.objects.filter(name__startswith="Scale cohort").order_by("name").first()
    course = Course.objects.get(slug="scale-or-onboarding")
    print(
        json.dumps(
            {
                "one_cohort": measure(ReportFilters(cohort=cohort)),
                "one_course": measure(ReportFilters(course=course)),
                "all": measure(ReportFilters()),
            }
        )
    )
