"""Memory of the CSV export: the peak Python allocation while writing every row (some 13,000),
against the peak for one cohort's rows (some 70). Streaming keeps the two alike. Runs
in-process, under tracemalloc (so its times are not the export's); prints JSON."""

from __future__ import annotations

import json
import os
import time
import tracemalloc

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")
django.setup()

from training.models import Cohort  # noqa: E402
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
    one_cohort = measure(ReportFilters(cohort=cohort))
    every_row = measure(ReportFilters())
    print(json.dumps({"one_cohort": one_cohort, "all": every_row}))
