#!/usr/bin/env python3
"""Scrapes spoold's /metrics in both formats and parses them with the
reference parser (prometheus_client), then checks what a parser does not:
every histogram's buckets ascend by `le`, their counts never fall, the
`+Inf` bucket equals `_count`, and `_sum` is there.

  metrics_check.py URL

Prints one JSON object with the values the caller compares with the queue's
real state; exits non-zero, saying why, on any problem.
"""
import json
import math
import sys
import urllib.request

from prometheus_client.openmetrics.parser import text_string_to_metric_families as parse_openmetrics
from prometheus_client.parser import text_string_to_metric_families as parse_prometheus


def scrape(url, accept=None):
    request = urllib.request.Request(url, headers={"Accept": accept} if accept else {})
    with urllib.request.urlopen(request, timeout=10) as response:
        return response.headers["Content-Type"], response.read().decode()


def check_histograms(families, fail):
    for family in families:
        if family.type != "histogram":
            continue
        series = {}
        for sample in family.samples:
            labels = tuple(sorted((k, v) for k, v in sample.labels.items() if k != "le"))
            entry = series.setdefault(labels, {"buckets": [], "sum": None, "count": None})
            if sample.name.endswith("_bucket"):
                entry["buckets"].append((float(sample.labels["le"]), sample.value))
            elif sample.name.endswith("_sum"):
                entry["sum"] = sample.value
            elif sample.name.endswith("_count"):
                entry["count"] = sample.value
        for labels, entry in series.items():
            bounds = [b for b, _ in entry["buckets"]]
            counts = [c for _, c in entry["buckets"]]
            where = f"{family.name}{dict(labels)}"
            if bounds != sorted(bounds) or not bounds or not math.isinf(bounds[-1]):
                fail(f"{where}: buckets not ascending to +Inf: {bounds}")
            if any(b < a for a, b in zip(counts, counts[1:])):
                fail(f"{where}: bucket counts fall: {counts}")
            if entry["count"] is None or entry["sum"] is None:
                fail(f"{where}: no _count or _sum")
            elif counts and counts[-1] != entry["count"]:
                fail(f"{where}: +Inf bucket {counts[-1]} != _count {entry['count']}")


def main():
    url = sys.argv[1]
    problems = []
    fail = problems.append

    content_type, text = scrape(url)
    if not content_type.startswith("text/plain; version=0.0.4"):
        fail(f"Prometheus format served as {content_type}")
    families = list(parse_prometheus(text))
    check_histograms(families, fail)

    om_type, om_text = scrape(url, "application/openmetrics-text; version=1.0.0,text/plain;q=0.5")
    if not om_type.startswith("application/openmetrics-text"):
        fail(f"OpenMetrics asked for, {om_type} served")
    om_families = list(parse_openmetrics(om_text))
    check_histograms(om_families, fail)
    # Prometheus's format has no info type: its info families are gauges named *_info.
    def names(found):
        return sorted(f.name.removesuffix("_info") if f.type in ("gauge", "info") else f.name for f in found)
    if names(families) != names(om_families):
        fail(f"the two formats carry different families: {names(families)} / {names(om_families)}")

    by_name = {f.name: f for f in families}
    result = {"families": sorted(by_name), "jobs": {}, "commands": {}, "puts": {}, "wait_count": {}, "run_count": {}}
    for sample in by_name["spool_jobs"].samples:
        result["jobs"].setdefault(sample.labels["tube"], {})[sample.labels["state"]] = sample.value
    for sample in by_name["spool_commands"].samples:
        result["commands"][sample.labels["command"]] = sample.value
    for sample in by_name["spool_jobs_put"].samples:
        result["puts"][sample.labels["tube"]] = sample.value
    for sample in by_name["spool_job_wait_seconds"].samples:
        if sample.name.endswith("_count"):
            result["wait_count"][sample.labels["tube"]] = sample.value
    for sample in by_name["spool_job_run_seconds"].samples:
        if sample.name.endswith("_count"):
            result["run_count"][sample.labels["tube"]] = sample.value
    result["paused"] = {s.labels["tube"]: s.value for s in by_name["spool_tube_paused"].samples}
    result["connections"] = by_name["spool_connections"].samples[0].value
    result["condition"] = {s.labels["condition"]: s.value for s in by_name["spool_store_condition"].samples}
    result["process_resident_memory_bytes"] = by_name["process_resident_memory_bytes"].samples[0].value
    result["process_open_fds"] = by_name["process_open_fds"].samples[0].value
    if "spool_store_commit_seconds" in by_name:
        result["commits"] = next(s.value for s in by_name["spool_store_commit_seconds"].samples if s.name.endswith("_count"))
    result["text"] = text
    print(json.dumps(result))
    if problems:
        print("\n".join(problems), file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
