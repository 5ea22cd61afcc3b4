"""Orchestrates the head-to-head benchmark (started by scripts/bench.sh, which passes --bin and
--venv): one moto server on 127.0.0.1, one client process per system and round with the order of
the systems rotated every round, medians over the rounds, then dynamate's bulk runs, each in its
own child process. Prints Markdown tables (the ones docs/benchmarks.md records) and writes the raw
figures to target/bench/head_to_head.json.

Tables are created and deleted here (boto3, in this process, never in a measured one), one per
system and round, so every client starts from an empty table and moto's memory stays flat.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DRIVER = ROOT / "scripts" / "bench" / "driver.py"
SYSTEMS = ["dynamate", "aws-sdk", "pydynox", "pynamodb_mate"]
RUST_SYSTEMS = {"dynamate", "aws-sdk"}
WORKLOADS = [
    ("save", "PutItem"),
    ("get", "GetItem"),
    ("query_page", "Query page of `page` items"),
    ("batch_write", "item of BatchWriteItem"),
    ("concurrent", "request (save or get)"),
]
# (numerator, denominator, label): what each ratio column divides.
RATIOS = [
    ("dynamate", "aws-sdk", "dynamate / aws-sdk"),
    ("pynamodb_mate", "dynamate", "pynamodb_mate / dynamate"),
    ("pydynox", "dynamate", "pydynox / dynamate"),
]
CHILD_TIMEOUT = 900  # seconds; a client that takes longer is stuck
# Dummy credentials for every client (and for boto3 here): moto checks none, and a benchmark
# must never pick up real ones.
ENV = {
    **os.environ,
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_REGION": "us-east-1",
    "AWS_DEFAULT_REGION": "us-east-1",
}
os.environ.update(ENV)


def log(message: str) -> None:
    print(f"run.py: {message}", file=sys.stderr, flush=True)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Moto:
    """moto_server on 127.0.0.1, stopped by its PID."""

    def __init__(self, venv: Path):
        self.port = free_port()
        self.endpoint = f"http://127.0.0.1:{self.port}"
        log_dir = ROOT / ".tools" / "logs"
        log_dir.mkdir(parents=True, exist_ok=True)
        self.log = open(log_dir / "bench-moto.log", "w")
        self.process = subprocess.Popen(
            [str(venv / "bin" / "moto_server"), "-H", "127.0.0.1", "-p", str(self.port)],
            stdout=self.log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            env=ENV,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise SystemExit(f"moto_server exited; see {self.log.name}")
            try:
                urllib.request.urlopen(self.endpoint + "/moto-api/", timeout=2)
                log(f"moto ready on {self.endpoint} (pid {self.process.pid})")
                return
            except OSError:
                time.sleep(0.2)
        self.stop()
        raise SystemExit("moto_server did not become ready within 60 s")

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=10)
        self.log.close()


class Tables:
    """The `{prefix}events` tables (schemas/bench.toml's `Event` key schema), via boto3."""

    def __init__(self, endpoint: str):
        import boto3

        self.client = boto3.client("dynamodb", endpoint_url=endpoint, region_name="us-east-1")

    def create(self, prefix: str) -> None:
        self.client.create_table(
            TableName=prefix + "events",
            KeySchema=[
                {"AttributeName": "user_id", "KeyType": "HASH"},
                {"AttributeName": "event_id", "KeyType": "RANGE"},
            ],
            AttributeDefinitions=[
                {"AttributeName": "user_id", "AttributeType": "S"},
                {"AttributeName": "event_id", "AttributeType": "S"},
            ],
            BillingMode="PAY_PER_REQUEST",
        )

    def delete(self, prefix: str) -> None:
        self.client.delete_table(TableName=prefix + "events")

    def shape(self, prefix: str) -> dict:
        """The stored types of the first saved item: the check that every system writes the
        same item."""
        item = self.client.get_item(
            TableName=prefix + "events",
            Key={"user_id": {"S": "save-user"}, "event_id": {"S": "evt-0000000"}},
        )["Item"]
        return {name: next(iter(value)) for name, value in sorted(item.items())}


def run_child(command: list[str]) -> list[dict]:
    """Runs one client process; returns its JSON lines."""
    process = subprocess.Popen(command, stdout=subprocess.PIPE, env=ENV, text=True)
    try:
        out, _ = process.communicate(timeout=CHILD_TIMEOUT)
    except subprocess.TimeoutExpired:
        process.kill()
        process.communicate()
        raise SystemExit(f"{command[:2]} did not finish within {CHILD_TIMEOUT} s")
    if process.returncode != 0:
        raise SystemExit(f"{command[:2]} failed with exit code {process.returncode}")
    lines = [json.loads(line) for line in out.splitlines() if line.startswith("{")]
    return lines


def client_command(args, system: str, settings: dict) -> list[str]:
    if system in RUST_SYSTEMS:
        rust = {**settings, "system": system, "current_thread": args.current_thread}
        return [args.bin, "workloads", json.dumps(rust)]
    return [str(args.venv / "bin" / "python"), str(DRIVER), system, json.dumps(settings)]


def head_to_head(args, moto: Moto, tables: Tables, sizes: dict) -> tuple[dict, dict]:
    """Every round: every system in rotated order. Returns results[system][workload] = list of
    per-round figures, and the stored item shape per system."""
    results = {s: {w: [] for w, _ in WORKLOADS} for s in SYSTEMS}
    shapes = {}
    for round_ in range(args.rounds):
        order = SYSTEMS[round_ % len(SYSTEMS) :] + SYSTEMS[: round_ % len(SYSTEMS)]
        for system in order:
            prefix = f"r{round_}-{system}-"
            tables.create(prefix)
            settings = {"endpoint": moto.endpoint, "prefix": prefix, **sizes}
            started = time.monotonic()
            lines = run_child(client_command(args, system, settings))
            log(f"round {round_ + 1}/{args.rounds}: {system} in {time.monotonic() - started:.1f} s")
            for line in lines:
                results[system][line["workload"]].append(line)
            if round_ == 0:
                shapes[system] = tables.shape(prefix)
            tables.delete(prefix)
    return results, shapes


def per_op(lines: list[dict], key: str) -> float:
    """Median over the rounds of seconds per op."""
    return statistics.median(line[key] / line["ops"] for line in lines)


def fmt_us(seconds: float) -> str:
    us = seconds * 1e6
    return f"{us:.0f}" if us >= 100 else f"{us:.1f}"


def table(results: dict, key: str, title: str) -> str:
    head = ["workload (op)"] + [f"{s} µs" for s in SYSTEMS] + [label for _, _, label in RATIOS]
    rows = [f"**{title}**", "", "| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for workload, op in WORKLOADS:
        figures = {s: per_op(results[s][workload], key) for s in SYSTEMS}
        ratios = [f"{figures[a] / figures[b]:.2f}" for a, b, _ in RATIOS]
        cells = [f"{workload} ({op})"] + [fmt_us(figures[s]) for s in SYSTEMS] + ratios
        rows.append("| " + " | ".join(cells) + " |")
    return "\n".join(rows)


def scale(args, moto: Moto, tables: Tables) -> list[dict]:
    """dynamate's bulk runs: a batch write of each size in its own process (then counted back),
    and a streamed query over the 10k-item partition in another."""
    out = []
    for items in args.scale_sizes:
        prefix = f"bulk{items}-"
        tables.create(prefix)
        settings = json.dumps({"endpoint": moto.endpoint, "prefix": prefix, "items": items})
        lines = run_child([args.bin, "batch-scale", settings])
        out += lines
        log(f"batch write of {items}: {lines}")
        if items == args.query_items:
            lines = run_child([args.bin, "query-scale", settings])
            out += lines
            log(f"query stream of {items}: {lines}")
        tables.delete(prefix)
    return out


def mib(kib: int) -> str:
    return f"{kib / 1024:.1f} MiB"


def scale_tables(runs: list[dict]) -> str:
    rows = [
        "| dynamate batch write | time | items/s | client CPU per item | baseline RSS | peak RSS | unprocessed | counted back |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for run in (r for r in runs if r["mode"] == "batch-scale"):
        rows.append(
            f"| {run['items']:,} items | {run['wall_s']:.1f} s | {run['items'] / run['wall_s']:,.0f} "
            f"| {fmt_us(run['cpu_s'] / run['items'])} µs | {mib(run['baseline_rss_kib'])} "
            f"| {mib(run['peak_rss_kib'])} | {run['unprocessed']} | {run['counted']:,}"
            f"{' (equal)' if run['counted'] == run['items'] else ' (MISMATCH)'} |"
        )
    rows += ["", "| dynamate query stream | time | baseline RSS | peak RSS |", "|---|---|---|---|"]
    for run in (r for r in runs if r["mode"] == "query-scale"):
        rows.append(
            f"| {run['items']:,} items | {run['wall_s']:.1f} s | {mib(run['baseline_rss_kib'])} "
            f"| {mib(run['peak_rss_kib'])} |"
        )
    return "\n".join(rows)


def machine() -> str:
    load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    return f"{os.cpu_count()} CPUs, load average {load}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--bin", required=True, help="the head_to_head bench executable")
    parser.add_argument("--venv", required=True, type=Path)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--quick", action="store_true", help="small sizes, to try the setup")
    parser.add_argument("--no-scale", action="store_true", help="skip the bulk runs")
    parser.add_argument("--scale-sizes", type=int, nargs="+", default=[1_000, 10_000, 100_000])
    parser.add_argument("--query-items", type=int, default=10_000)
    parser.add_argument(
        "--current-thread",
        action="store_true",
        help="run the Rust systems on a current-thread tokio runtime (default: multi-thread)",
    )
    args = parser.parse_args()
    sizes = {"save": 300, "batch": 2000, "page": 100, "query_repeats": 2, "workers": 16, "per_worker": 30}
    if args.quick:
        sizes = {**sizes, "save": 50, "batch": 200, "per_worker": 5}
        args.scale_sizes, args.query_items = [1_000], 1_000

    runtime = "current-thread" if args.current_thread else "multi-thread"
    report = {"sizes": sizes, "rust_runtime": runtime, "machine_before": machine()}
    moto = Moto(args.venv)
    try:
        tables = Tables(moto.endpoint)
        results, shapes = head_to_head(args, moto, tables, sizes)
        report["machine_after_head_to_head"] = machine()
        scale_runs = [] if args.no_scale else scale(args, moto, tables)
        report["machine_after"] = machine()
    finally:
        moto.stop()
    report.update(results=results, shapes=shapes, scale=scale_runs)
    out = ROOT / "target" / "bench" / "head_to_head.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, indent=1))

    reference = shapes["dynamate"]
    differences = {
        system: {name: kind for name, kind in shape.items() if reference.get(name) != kind}
        for system, shape in shapes.items()
        if shape != reference
    }
    print(f"Machine: {report['machine_before']} before, {report['machine_after']} after.")
    print(f"Sizes: {json.dumps(sizes)}; median of {args.rounds} rounds, system order rotated.")
    print(f"Rust systems on a {runtime} tokio runtime.")
    print(f"Stored attribute types (dynamate's): {json.dumps(reference)}")
    print(f"Systems storing other types: {json.dumps(differences) if differences else 'none'}")
    print()
    print(table(results, "cpu_s", "Client CPU per op (user + system, getrusage of the client process)"))
    print()
    print(table(results, "wall_s", "Wall time per op"))
    if scale_runs:
        print()
        print(scale_tables(scale_runs))
    log(f"raw figures in {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
