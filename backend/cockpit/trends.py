"""Trends (趋势): daily counts of backend/cockpit/flows.py, folded into day / week / month buckets here.

Each measure is the per-day count of one flow in the region and period (local calendar days; the days before
the last refresh from `cockpit_daily_stats`, the rest live), so both databases cut the buckets identically. The
stock measures (active tenants, registered houses at a bucket's end) are a count before the period plus the
running sum of daily starts minus daily ends.
"""

from collections import defaultdict
from datetime import date, timedelta

from backend.cockpit.flows import Period, before, per_day

BUCKETS = ("day", "week", "month")
FLOWS = ("check_ins", "check_outs", "declarations", "verifications", "notices", "scans")
STOCKS = ("active_tenants", "registered_houses")
MEASURES = FLOWS + STOCKS
# A stock's level moves up with its first flow and down with its second.
STOCK_FLOWS = {"active_tenants": ("tenant_starts", "tenant_ends"), "registered_houses": ("registered", None)}


def bucket_start(day: date, bucket: str) -> date:
    if bucket == "week":  # ISO weeks, Monday first
        return day - timedelta(days=day.weekday())
    if bucket == "month":
        return day.replace(day=1)
    return day


def buckets(period: Period, bucket: str) -> list[tuple[date, date]]:
    """[(first day, last day)] of each bucket, clipped to the period."""
    out, day = [], period.start
    while day <= period.end:
        start = bucket_start(day, bucket)
        if bucket == "day":
            nxt = start + timedelta(days=1)
        elif bucket == "week":
            nxt = start + timedelta(days=7)
        else:
            nxt = (start.replace(day=28) + timedelta(days=4)).replace(day=1)
        out.append((day, min(nxt - timedelta(days=1), period.end)))
        day = nxt
    return out


def trends(prefix: str, period: Period, bucket: str, measures: list[str]) -> dict:
    """{"buckets": [{"start", "end"}], "series": {measure: [value per bucket]}}."""
    cuts = buckets(period, bucket)
    series = {}
    for measure in measures:
        if measure in FLOWS:
            per = defaultdict(int)
            for day, n in per_day(measure, prefix, period).items():
                per[max(bucket_start(day, bucket), period.start)] += n  # the first bucket is clipped
            series[measure] = [per.get(first, 0) for first, _ in cuts]
        else:
            up, down = STOCK_FLOWS[measure]
            level = before(up, prefix, period.since, period.start)
            starts, ends = per_day(up, prefix, period), {}
            if down:
                level -= before(down, prefix, period.since, period.start)
                ends = per_day(down, prefix, period)
            values, day = [], period.start
            for _, last in cuts:
                while day <= last:
                    level += starts.get(day, 0) - ends.get(day, 0)
                    day += timedelta(days=1)
                values.append(level)
            series[measure] = values
    return {
        "bucket": bucket,
        "buckets": [{"start": a.isoformat(), "end": b.isoformat()} for a, b in cuts],
        "series": series,
    }
