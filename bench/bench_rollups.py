"""Report rollups at scale, PostgreSQL: organization-wide reports over three years, ratios from one run.

    python bench/bench_rollups.py [--large 1000000] [--db bench_rollups]

1. A database of its own (``--db``, dropped at the end) with two organizations made by
   ``generate_load`` over the same 20 locations' shape and 1,095 days: "Small" with 10,000 visits
   and "Large" with ``--large`` visits (each load ends by rebuilding its organization's rollups).
2. For each organization's admin, every report over the whole organization and the three years
   up to the end date, read from rollups (the reports' path): median of interleaved runs. Prints
   time(large) / time(small) per report (goal <= 2), after checking each equals the raw
   computation (``*_raw``, from visits and answers) at the large size.
3. Item performance at the large size, raw path (the old one, the baseline) against rollups, in
   the same run: the speed-up (goal >= 10).
Also prints the rollup rows each organization holds (what the reports' cost depends on).

``--raw-once`` (for the biggest sizes, where the raw item performance reads every answer): the raw
item performance is computed once, timed, checked equal to the rollup report and used as the
baseline of step 3 (one run, not a median of three); the other raw reports are checked as usual.
"""

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench._harness import PYTHON, bench_database, django_setup, log, migrate, server_env  # noqa: E402

END = "2026-11-20"
DAYS = 1095
SMALL = 10_000
REPEAT = 9


def parse_args():
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--large", type=int, default=1_000_000, help="Visits of the large organization.")
    parser.add_argument("--db", default="bench_rollups")
    parser.add_argument(
        "--raw-once",
        action="store_true",
        help="Compute (and time) the raw item performance once: its equality check and the baseline.",
    )
    return parser.parse_args()


def generate(env: dict, org: str, visits: int) -> None:
    started = time.monotonic()
    args = ["--visits", str(visits), "--locations", "20", "--org", org, "--end", END, "--days", str(DAYS)]
    if visits > 100_000:
        args.append("--defer-indexes")
    subprocess.run([PYTHON, "manage.py", "generate_load", *args], cwd=ROOT, env=env, check=True)
    log(f"{org}: {visits:,} visits generated in {time.monotonic() - started:.0f}s")


def interleaved(functions: dict, repeat: int = REPEAT) -> dict:
    """Median seconds of each function, run in turns so a busy neighbour slows them all alike."""
    for fn in functions.values():
        fn()  # warm caches and plans
    times: dict = {name: [] for name in functions}
    for _ in range(repeat):
        for name, fn in functions.items():
            started = time.perf_counter()
            fn()
            times[name].append(time.perf_counter() - started)
    return {name: statistics.median(values) for name, values in times.items()}


def main() -> None:
    args = parse_args()
    with bench_database(args.db) as url:
        extra = {
            "DJANGO_SETTINGS_MODULE": "config.settings.local",
            "DJANGO_DEBUG": "0",
            "CACHE_URL": "locmemcache://",
        }
        env = server_env(database_url=url, media_root=str(ROOT / "media"), extra=extra)
        migrate(env)
        generate(env, "Small", SMALL)
        generate(env, "Large", args.large)
        django_setup(env)
        run(args.large, raw_once=args.raw_once)


def run(large: int, *, raw_once: bool = False) -> None:
    import datetime as dt  # noqa: PLC0415 - after django.setup()

    from accounts.models import Organization, Region, Role, User  # noqa: PLC0415
    from audits.models import ItemRollup, SectionRollup, VisitRollup  # noqa: PLC0415
    from reports import selectors  # noqa: PLC0415
    from reports.selectors import ReportFilters  # noqa: PLC0415

    end = dt.date.fromisoformat(END)
    window = ReportFilters(date_from=end - dt.timedelta(days=DAYS - 1), date_to=end)

    def reports(org_name: str, *, raw: bool = False) -> dict:
        org = Organization.objects.get(name=org_name)
        admin, _ = User.objects.get_or_create(
            username=f"bench-admin-{org.pk}",
            defaults={"organization": org, "role": Role.ADMIN, "display_name": "Bench"},
        )
        region = Region.objects.filter(organization=org).order_by("code").first()
        by_region = ReportFilters(date_from=window.date_from, date_to=window.date_to, region_id=region.pk)
        suffix = "_raw" if raw else ""
        return {
            "summary": lambda: getattr(selectors, "summary" + suffix)(principal=admin, filters=window),
            "location ranking": lambda: getattr(selectors, "location_ranking" + suffix)(
                principal=admin, filters=window
            ),
            "item performance": lambda: getattr(selectors, "item_performance" + suffix)(
                principal=admin, filters=window
            ),
            "perception gap": lambda: getattr(selectors, "perception_gap" + suffix)(
                principal=admin, filters=window
            ),
            "region trend (month)": lambda: getattr(selectors, "trend" + suffix)(
                principal=admin, filters=by_region, period="month"
            ),
        }

    for org_name in ("Small", "Large"):
        org = Organization.objects.get(name=org_name)
        rows = {
            m.__name__: m.objects.filter(organization=org).count()
            for m in (VisitRollup, SectionRollup, ItemRollup)
        }
        log(f"{org_name}: rollup rows {rows}")

    small, big, big_raw = reports("Small"), reports("Large"), reports("Large", raw=True)
    raw_item_seconds = None
    for name in big:
        if raw_once and name == "item performance":
            started = time.perf_counter()
            raw = big_raw[name]()
            raw_item_seconds = time.perf_counter() - started
        else:
            raw = big_raw[name]()
        same = big[name]() == raw
        log(f"{name}: rollups == raw at {large:,} visits: {same}")
        if not same:
            raise SystemExit(f"{name}: the rollup report differs from the raw computation")

    timings = interleaved(
        {**{("small", n): f for n, f in small.items()}, **{("large", n): f for n, f in big.items()}}
    )
    print(
        f"\nOrganization-wide reports over {DAYS} days, from rollups (medians of {REPEAT} interleaved runs)"
    )
    print(f"{'report':<24} {'10k ms':>9} {f'{large // 1000}k ms':>9} {'large/10k':>10}")
    for name in small:
        a, b = timings[("small", name)], timings[("large", name)]
        print(f"{name:<24} {a * 1000:9.2f} {b * 1000:9.2f} {b / a:10.2f}")

    if raw_item_seconds is None:
        items = interleaved(
            {"raw": big_raw["item performance"], "rollups": big["item performance"]}, repeat=3
        )
        how = "medians of 3"
    else:
        items = {"raw": raw_item_seconds, "rollups": timings[("large", "item performance")]}
        how = "raw: one run"
    print(
        f"\nItem performance, whole organization, {DAYS} days at {large:,} visits ({how}): "
        f"raw {items['raw'] * 1000:.0f} ms, "
        f"rollups {items['rollups'] * 1000:.1f} ms, speed-up x{items['raw'] / items['rollups']:.0f}"
    )


if __name__ == "__main__":
    main()
