"""The Python half of the head-to-head benchmark: pydynox or pynamodb_mate doing the work that
tests/benches/head_to_head.rs does for dynamate and hand-written aws-sdk code, on the same table
layout and item shape (`Event`, schemas/bench.toml).

Run by scripts/bench/run.py in the bench venv, one process per system and round:

    python driver.py pydynox|pynamodb_mate '{"endpoint": ..., "prefix": ..., "save": ...}'

Prints one JSON line per workload: {"workload", "ops", "cpu_s", "wall_s"}; client CPU is
getrusage(RUSAGE_SELF) user + system time around the workload (every thread of this process).
"""

from __future__ import annotations

import json
import resource
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timezone

SAVE_USER = "save-user"
QUERY_USER = "query-user"
WARM_USER = "warm-user"
CREATED_AT = datetime.fromtimestamp(1_714_564_800.123456, tz=timezone.utc)


def event_fields(user_id: str, event_id: str) -> dict:
    """The attributes of the Rust benchmark's `event()`, as both ORMs take them."""
    return {
        "user_id": user_id,
        "event_id": event_id,
        "kind": "page_view",
        "count": 1_234_567,
        "score": 0.8125,
        "active": True,
        "note": "first visit from the newsletter campaign",
        "tags": ["web", "mobile", "eu-west-1", "campaign-42"],
        "labels": {"beta", "premium", "returning"},
        "metrics": {"clicks": 12, "scroll_pct": 87, "dwell_ms": 45_210},
        "created_at": CREATED_AT,
    }


def event_id(i: int) -> str:
    return f"evt-{i:07d}"


class Orm:
    """What both ORMs share: a model class `self.model` built from the settings."""

    model: type

    def new(self, user_id: str, event_id: str):
        return self.model(**event_fields(user_id, event_id))


class Pynamodb(Orm):
    """pynamodb_mate: its Model (a pynamodb Model) and pynamodb's own batch writer."""

    def __init__(self, settings: dict):
        import pynamodb_mate.api as pm

        class Event(pm.Model):
            class Meta:
                table_name = settings["prefix"] + "events"
                region = "us-east-1"
                host = settings["endpoint"]
                # One pooled connection per worker thread, as the Rust clients keep (botocore's
                # default of 10 would drop connections with 16 threads).
                max_pool_connections = settings["workers"]

            user_id = pm.UnicodeAttribute(hash_key=True)
            event_id = pm.UnicodeAttribute(range_key=True)
            kind = pm.UnicodeAttribute()
            count = pm.NumberAttribute()
            score = pm.NumberAttribute()
            active = pm.BooleanAttribute()
            note = pm.UnicodeAttribute(null=True)
            tags = pm.ListAttribute(of=pm.UnicodeAttribute)
            labels = pm.UnicodeSetAttribute(null=True)
            metrics = pm.MapAttribute()
            created_at = pm.UTCDateTimeAttribute()

        self.model = Event

    def save(self, user_id: str, event_id: str) -> None:
        self.new(user_id, event_id).save()

    def get(self, user_id: str, event_id: str):
        return self.model.get(user_id, event_id)

    def batch_write(self, user_id: str, ids) -> None:
        with self.model.batch_write() as batch:
            for i in ids:
                batch.save(self.new(user_id, event_id(i)))

    def query(self, user_id: str, page: int) -> int:
        return sum(1 for _ in self.model.query(user_id, page_size=page))


class Pydynox(Orm):
    """pydynox: its Model for save, get and query; its SyncBatchWriter (fed the models' dicts)
    for batch writes, as pydynox has no model-level batch write."""

    def __init__(self, settings: dict):
        from pydynox import DynamoDBClient, Model, ModelConfig, SyncBatchWriter
        from pydynox.attributes import (
            BooleanAttribute,
            DatetimeAttribute,
            ListAttribute,
            MapAttribute,
            NumberAttribute,
            StringAttribute,
            StringSetAttribute,
        )

        table = settings["prefix"] + "events"
        client = DynamoDBClient(
            region="us-east-1",
            endpoint_url=settings["endpoint"],
            access_key="testing",
            secret_key="testing",
            connect_timeout=3.0,
            max_retries=3,
        )

        class Event(Model):
            model_config = ModelConfig(table=table, client=client)
            user_id = StringAttribute(partition_key=True)
            event_id = StringAttribute(sort_key=True)
            kind = StringAttribute()
            count = NumberAttribute()
            score = NumberAttribute()
            active = BooleanAttribute()
            note = StringAttribute()
            tags = ListAttribute()
            labels = StringSetAttribute()
            metrics = MapAttribute()
            created_at = DatetimeAttribute()

        self.model = Event
        self.client = client
        self.table = table
        self.writer = SyncBatchWriter

    def save(self, user_id: str, event_id: str) -> None:
        self.new(user_id, event_id).sync_save()

    def get(self, user_id: str, event_id: str):
        return self.model.sync_get(user_id=user_id, event_id=event_id)

    def batch_write(self, user_id: str, ids) -> None:
        with self.writer(self.client, self.table) as batch:
            for i in ids:
                batch.put(self.new(user_id, event_id(i)).to_dict())

    def query(self, user_id: str, page: int) -> int:
        return sum(1 for _ in self.model.sync_query(partition_key=user_id, page_size=page))


SYSTEMS = {"pydynox": Pydynox, "pynamodb_mate": Pynamodb}


def cpu_time() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def measure(workload: str, work) -> None:
    cpu, wall = cpu_time(), time.perf_counter()
    ops = work()
    line = {
        "workload": workload,
        "ops": ops,
        "cpu_s": cpu_time() - cpu,
        "wall_s": time.perf_counter() - wall,
    }
    print(json.dumps(line), flush=True)


def warm_up(store) -> None:
    """As the Rust benchmark warms up: connections, credentials, lazy state."""
    for i in range(20):
        store.save(WARM_USER, event_id(i))
        assert store.get(WARM_USER, event_id(i)) is not None
    store.batch_write(WARM_USER, range(100, 150))
    assert store.query(WARM_USER, 25) == 70


def concurrent(store, settings: dict) -> int:
    """`workers` threads, each saving and reading back `per_worker` events of its own partition."""
    per_worker = settings["per_worker"]

    def worker(w: int) -> None:
        user = f"worker-{w}"
        for i in range(per_worker):
            store.save(user, event_id(i))
            assert store.get(user, event_id(i)) is not None

    with ThreadPoolExecutor(max_workers=settings["workers"]) as pool:
        for future in [pool.submit(worker, w) for w in range(settings["workers"])]:
            future.result(timeout=60)
    return settings["workers"] * per_worker * 2


def workloads(store, settings: dict) -> None:
    save, batch, page, repeats = (settings[k] for k in ("save", "batch", "page", "query_repeats"))
    warm_up(store)

    def saves() -> int:
        for i in range(save):
            store.save(SAVE_USER, event_id(i))
        return save

    def gets() -> int:
        for i in range(save):
            assert store.get(SAVE_USER, event_id(i)) is not None
        return save

    def batch_write() -> int:
        store.batch_write(QUERY_USER, range(batch))
        return batch

    def query() -> int:
        for _ in range(repeats):
            assert store.query(QUERY_USER, page) == batch
        return repeats * -(-batch // page)

    measure("save", saves)
    measure("get", gets)
    measure("batch_write", batch_write)
    measure("query_page", query)
    measure("concurrent", lambda: concurrent(store, settings))


def main() -> None:
    system, settings = sys.argv[1], json.loads(sys.argv[2])
    workloads(SYSTEMS[system](settings), settings)


if __name__ == "__main__":
    main()
