"""Load a dataset directory into a GraphStore: validated records → batched MERGE upserts.

Guarantees:
- idempotent: every write is a MERGE on the node key, so a second run changes nothing;
- nothing lost: a row that cannot be parsed, fails validation or points at a missing node
  goes to the quarantine file (file, line, reason, row) and the run goes on;
- resumable: after each committed batch the position is saved; a run after a crash
  (kill -9) skips the committed batches and redoes at most one batch, which MERGE makes
  harmless. Quarantine entries are only written past the saved position, so a resumed run
  does not repeat them.

Validation, foreign keys and quarantine are written once, in `Loader` (what it keeps on
disk, the checkpoint and the quarantine file, is `ingest.load_state`'s); where the validated
rows go is a `Sink`. The store itself is the MERGE sink; `ingest.bulk` supplies the
first-load sinks (GRAPH.BULK on FalkorDB, batched CREATE on Neo4j) that `ingest_dataset`
picks for an empty graph in `auto` mode.
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, Literal, Protocol

from pydantic import ValidationError
from tqdm import tqdm

from graph_schema.store import GraphCounts, GraphStore
from ingest import records as R
from ingest.load_state import (
    Checkpoint,
    FileReport,
    IngestReport,
    Quarantine,
    quarantine_path,
)
from ingest.sources import RawRow, find_file, read_rows

IngestMode = Literal["auto", "bulk", "merge"]


def _reason(exc: ValidationError) -> str:
    parts = []
    for err in exc.errors()[:3]:
        loc = ".".join(str(x) for x in err["loc"]) or "row"
        parts.append(f"{loc}: {err['msg']}")
    return "; ".join(parts)


Validator = Callable[[dict[str, Any]], dict[str, Any]]
Writer = Callable[[list[dict[str, Any]]], None]
Collector = Callable[[dict[str, Any]], None]


class Sink(Protocol):
    """Where validated rows go. `GraphStore` is one (MERGE upserts); `ingest.bulk` has the
    first-load sinks. Relationship rows carry `start`, `end` and the properties."""

    def upsert_nodes(self, label: str, rows: list[dict[str, Any]]) -> int: ...

    def upsert_relationships(self, rel_type: str, rows: list[dict[str, Any]]) -> int: ...


class Loader:
    def __init__(
        self,
        store: GraphStore | None,
        dataset_dir: Path,
        *,
        state_dir: Path,
        batch_size: int = 2000,
        progress: bool = True,
        resume: bool = True,
        sink: Sink | None = None,
    ) -> None:
        if sink is None and store is None:
            raise ValueError("a Loader writes to a store or to a sink")
        self.store = store
        self.sink: Sink = sink if sink is not None else store  # type: ignore[assignment]
        self.resume = resume
        self.dataset_dir = Path(dataset_dir)
        self.batch_size = batch_size
        self.progress = progress
        self.checkpoint = Checkpoint.of(state_dir, self.dataset_dir)
        self.quarantine = Quarantine(quarantine_path(state_dir, self.checkpoint.dataset_key))
        # Keys of nodes that exist (or will exist) in the graph: foreign keys are checked
        # against them, so a review of an unknown merchant is quarantined, not dropped.
        self.ids: dict[str, set[str]] = defaultdict(set)
        self.region_place: dict[tuple[str, str], str] = {}

    # -- one step = one file -------------------------------------------------------------
    def _step(
        self,
        report: IngestReport,
        stem: str,
        validate: Validator,
        write: Writer,
        *,
        required: bool = True,
        collect: Collector | None = None,
    ) -> None:
        """Validate every row of a file and write the valid ones in batches. `collect` sees
        every valid record, also those a resumed run skips (callers derive further data
        from the whole file)."""
        path = find_file(self.dataset_dir, stem)
        if path is None:
            if required:
                raise FileNotFoundError(f"{stem}.parquet|csv|jsonl missing in {self.dataset_dir}")
            return
        fr = FileReport(path.name)
        report.files.append(fr)
        committed = self.checkpoint.done.get(stem, 0)
        batch: list[dict[str, Any]] = []
        position = 0  # rows of this file seen, valid or not: what the checkpoint counts

        def flush() -> None:
            if batch:
                write(batch)
                fr.loaded += len(batch)
                batch.clear()
            self.checkpoint.mark(stem, position)

        rows: Iterable[RawRow] = read_rows(path)
        if self.progress:
            rows = tqdm(rows, desc=f"ingest {path.name}", unit="row", mininterval=1.0)
        for raw in rows:
            position += 1
            fr.read += 1
            resumed = position <= committed
            try:
                if raw.data is None:
                    raise ValueError(raw.error or "unreadable row")
                rec = validate(raw.data)
            except (ValidationError, ValueError) as exc:
                if not resumed:
                    reason = _reason(exc) if isinstance(exc, ValidationError) else str(exc)
                    self.quarantine.add(path.name, raw.line, reason, raw.data)
                    fr.quarantined += 1
                continue
            if collect is not None:
                collect(rec)
            if resumed:
                fr.skipped_resumed += 1
                continue
            batch.append(rec)
            if len(batch) >= self.batch_size:
                flush()
        flush()

    # -- validators (they also register keys and check foreign keys) ---------------------
    def _check_fk(self, kind: str, value: str | None, field_name: str) -> None:
        if value is not None and value not in self.ids[kind]:
            raise ValueError(f"{field_name}: unknown {kind} {value!r}")

    def _place(self, data: dict[str, Any]) -> dict[str, Any]:
        rec = R.PlaceRecord.model_validate(data)
        if rec.place_id in self.ids["place"]:
            raise ValueError(f"duplicate place_id {rec.place_id!r}")
        self.ids["place"].add(rec.place_id)
        return rec.model_dump()

    def _merchant(self, data: dict[str, Any]) -> dict[str, Any]:
        rec = R.MerchantRecord.model_validate(data)
        if rec.merchant_id in self.ids["merchant"]:
            raise ValueError(f"duplicate merchant_id {rec.merchant_id!r}")
        place = self.region_place.get((rec.city, rec.region))
        if place is None:
            raise ValueError(f"region: unknown region {rec.region!r} in {rec.city!r}")
        self.ids["merchant"].add(rec.merchant_id)
        return {**rec.model_dump(), "_place_id": place}

    def _menu(self, data: dict[str, Any]) -> dict[str, Any]:
        rec = R.MenuRecord.model_validate(data)
        self._check_fk("merchant", rec.merchant_id, "merchant_id")
        return rec.model_dump()

    def _user(self, data: dict[str, Any]) -> dict[str, Any]:
        rec = R.UserRecord.model_validate(data)
        self.ids["user"].add(rec.user_id)
        return rec.model_dump()

    def _product(self, data: dict[str, Any]) -> dict[str, Any]:
        rec = R.ProductRecord.model_validate(data)
        self.ids["product"].add(rec.product_id)
        return rec.model_dump()

    def _product_place(self, data: dict[str, Any]) -> dict[str, Any]:
        rec = R.ProductPlaceRecord.model_validate(data)
        self._check_fk("product", rec.product_id, "product_id")
        self._check_fk("place", rec.place_id, "place_id")
        return rec.model_dump()

    def _review(self, data: dict[str, Any]) -> dict[str, Any]:
        rec = R.ReviewRecord.model_validate(data)
        self._check_fk("merchant", rec.merchant_id, "merchant_id")
        self._check_fk("user", rec.user_id, "user_id")
        return rec.model_dump()

    def _click(self, data: dict[str, Any]) -> dict[str, Any]:
        rec = R.ClickRecord.model_validate(data)
        self._check_fk("user", rec.user_id, "user_id")
        self._check_fk("product", rec.product_id, "product_id")
        return rec.model_dump()

    # -- writers --------------------------------------------------------------------------
    def _write_places(self, rows: list[dict[str, Any]]) -> None:
        self.sink.upsert_nodes("Place", [_without(r, "parent_id") for r in rows])

    def _write_merchants(self, rows: list[dict[str, Any]]) -> None:
        s = self.sink
        s.upsert_nodes("Category", [{"name": n} for n in sorted({r["category"] for r in rows})])
        s.upsert_nodes("Merchant", [_without(r, "_place_id") for r in rows])
        s.upsert_relationships(
            "LOCATED_IN", [{"start": r["merchant_id"], "end": r["_place_id"]} for r in rows]
        )
        s.upsert_relationships(
            "IN_CATEGORY", [{"start": r["merchant_id"], "end": r["category"]} for r in rows]
        )

    def _write_menus(self, rows: list[dict[str, Any]]) -> None:
        self.sink.upsert_nodes("Menu", [{"name": n} for n in sorted({r["menu"] for r in rows})])
        self.sink.upsert_relationships(
            "SERVES",
            [
                {
                    "start": r["merchant_id"],
                    "end": r["menu"],
                    "price": r["price"],
                    "signature": r["signature"],
                }
                for r in rows
            ],
        )

    def _write_reviews(self, rows: list[dict[str, Any]]) -> None:
        self.sink.upsert_nodes("Review", [_without(r, "user_id") for r in rows])
        self.sink.upsert_relationships(
            "ABOUT", [{"start": r["review_id"], "end": r["merchant_id"]} for r in rows]
        )
        self.sink.upsert_relationships(
            "WROTE",
            [{"start": r["user_id"], "end": r["review_id"]} for r in rows if r["user_id"]],
        )

    def _write_visits(self, rows: list[dict[str, Any]]) -> None:
        self.sink.upsert_relationships(
            "VISITS",
            [{"start": r["product_id"], "end": r["place_id"], "day": r["day"]} for r in rows],
        )

    # -- the run --------------------------------------------------------------------------
    def run(
        self,
        *,
        after_nodes: Callable[[], None] | None = None,
        before_complete: Callable[[], None] | None = None,
        counts: Callable[[], GraphCounts] | None = None,
    ) -> IngestReport:
        """Load every file. `after_nodes` runs once every node is written (only
        relationships follow: the bulk sinks start building indexes there);
        `before_complete` after the last write and before the checkpoint says "complete"
        (the bulk sinks send their last buffer there). `counts` gives the graph's counts
        the checkpoint records (default: the store's; a sink that writes files knows what
        the graph will hold once they are imported)."""
        started = time.perf_counter()
        report = IngestReport(str(self.dataset_dir), quarantine_file=str(self.quarantine.path))
        if self.resume:
            self.checkpoint.load()
        try:
            places: list[dict[str, Any]] = []
            self._step(report, "places", self._place, self._write_places, collect=places.append)
            self._link_places(places)
            self._step(report, "merchants", self._merchant, self._write_merchants)
            self._step(report, "merchant_menus", self._menu, self._write_menus, required=False)
            self._step(report, "users", self._user, lambda b: self._upsert("User", b))
            self._step(report, "products", self._product, lambda b: self._upsert("Product", b))
            self._step(
                report, "product_places", self._product_place, self._write_visits, required=False
            )
            self._step(report, "reviews", self._review, self._write_reviews)
            if after_nodes is not None:
                after_nodes()
            # Clicks become one VIEWED edge per (user, product) with a count: aggregated over
            # the whole file first, since adding per-batch counts would not be idempotent.
            viewed = _ViewedAggregate()
            self._step(
                report, "clicks", self._click, lambda b: None, required=False, collect=viewed.add
            )
            self._write_viewed(viewed)
            if before_complete is not None:
                before_complete()
            if counts is None:
                assert self.store is not None  # checked in __init__ for a store-less Loader
                counts = self.store.counts
            self.checkpoint.finish(counts())
        finally:
            self.quarantine.close()
        report.seconds = time.perf_counter() - started
        return report

    def _upsert(self, label: str, rows: list[dict[str, Any]]) -> None:
        self.sink.upsert_nodes(label, rows)

    def _link_places(self, places: list[dict[str, Any]]) -> None:
        by_id = {p["place_id"]: p for p in places}
        links = []
        for p in places:
            parent = p.get("parent_id")
            if parent and parent in by_id:
                links.append({"start": p["place_id"], "end": parent})
            if p["level"] == "region" and parent in by_id:
                self.region_place[(by_id[parent]["name"], p["name"])] = p["place_id"]
        if self.checkpoint.done.get("places_in", 0) == 0:
            for i in range(0, len(links), self.batch_size):
                self.sink.upsert_relationships("IN", links[i : i + self.batch_size])
            self.checkpoint.mark("places_in", len(links))

    def _write_viewed(self, viewed: _ViewedAggregate) -> None:
        rows = viewed.rows()
        done = self.checkpoint.done.get("viewed", 0)
        it = range(done, len(rows), self.batch_size)
        for i in tqdm(it, desc="ingest VIEWED", unit="batch", disable=not self.progress):
            self.sink.upsert_relationships("VIEWED", rows[i : i + self.batch_size])
            self.checkpoint.mark("viewed", min(i + self.batch_size, len(rows)))


class _ViewedAggregate:
    """(user, product) -> [views, last ts], fed click by click: the whole click file is
    never held in memory (1.4 M rows at full scale)."""

    def __init__(self) -> None:
        self._agg: dict[tuple[str, str], list[int]] = {}

    def add(self, click: dict[str, Any]) -> None:
        key = (click["user_id"], click["product_id"])
        cur = self._agg.get(key)
        if cur is None:
            self._agg[key] = [1, click["ts"]]
        else:
            cur[0] += 1
            cur[1] = max(cur[1], click["ts"])

    def rows(self) -> list[dict[str, Any]]:
        return [
            {"start": u, "end": p, "count": n, "ts": ts}
            for (u, p), (n, ts) in sorted(self._agg.items())
        ]


def _without(row: dict[str, Any], *keys: str) -> dict[str, Any]:
    return {k: v for k, v in row.items() if k not in keys}


def ingest_dataset(
    store: GraphStore,
    dataset_dir: Path,
    state_dir: Path,
    *,
    batch_size: int = 2000,
    progress: bool = True,
    resume: bool = True,
    text_dim: int | None = None,
    graph_dim: int | None = None,
    mode: IngestMode = "merge",
) -> IngestReport:
    """Load every file of `dataset_dir` and create the schema.

    `mode`: "merge" upserts (idempotent; with `resume`, batches a previous crashed run
    committed are skipped, without, everything is upserted again); "bulk" is the fast first
    load into an empty graph (`ingest.bulk`), and refuses a graph that holds data; "auto"
    takes bulk when the graph is empty and merge otherwise. In every mode, a graph left
    half-loaded by a killed bulk load is deleted first and loaded again from scratch. With
    `resume`, a graph that still holds a completed load of this dataset (same counts) is
    left as it is (report mode "current")."""
    from ingest import bulk

    restarted = bulk.discard_partial_bulk_load(store)
    if restarted:
        resume = False
    if resume and mode != "bulk":
        checkpoint = Checkpoint.of(state_dir, dataset_dir)
        checkpoint.load()
        # Re-reading and re-validating every row to find nothing to write took 10 s at the
        # dense scale: a completed load whose graph still has its counts is current.
        if checkpoint.graph_matches(store.counts()):
            store.ensure_schema(text_dim=text_dim, graph_dim=graph_dim)
            quarantined = quarantine_path(state_dir, checkpoint.dataset_key)
            return IngestReport(str(dataset_dir), quarantine_file=str(quarantined), mode="current")
        if checkpoint.done.get("complete") and checkpoint.graph_counts:
            # The load completed, but the graph no longer holds what it wrote (nodes deleted,
            # another dataset loaded over it): resuming would skip every row, so upsert
            # them all again, which MERGE makes harmless.
            resume = False
    if bulk.choose_mode(store, mode) == "bulk":
        return bulk.bulk_ingest(
            store,
            dataset_dir,
            state_dir,
            batch_size=batch_size,
            progress=progress,
            text_dim=text_dim,
            graph_dim=graph_dim,
        )
    store.ensure_schema(text_dim=text_dim, graph_dim=graph_dim)
    loader = Loader(
        store,
        dataset_dir,
        state_dir=state_dir,
        batch_size=batch_size,
        progress=progress,
        resume=resume,
    )
    if restarted:
        loader.quarantine.discard()
    return loader.run()
