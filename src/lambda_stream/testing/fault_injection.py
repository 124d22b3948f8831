"""Fail chosen entries of batch calls at the wire level, to test selective retries end to end.

How it works: botocore event hooks on a real client (no mocks, no connector wrapper), so the
connector's own response parsing and retry loop run unchanged against a real (moto) service.

1. ``provide-client-params.<service>.<Operation>`` picks the entries to fail on this attempt
   and removes them from the request, so the service never receives them; the plan (which
   input positions failed, with which code) is stored in botocore's per-call ``context``.
2. ``before-call`` short-circuits the HTTP call with an empty success only when *every* entry
   was removed (an empty batch is invalid on the wire).
3. ``after-call`` splices synthetic failures back into the parsed response at the original
   positions, exactly as the service reports them: an ``ErrorCode`` item and a bumped
   ``Failed*Count`` (EventBridge, Kinesis, Firehose), a ``Failed`` item by ``Id`` (SQS, SNS),
   ``UnprocessedItems`` / ``UnprocessedKeys`` (DynamoDB batch write / get).

botocore's own HTTP retries resend the same serialized request and emit these events once per
API call, so an entry removed in step 1 is never delivered by that call: a test can read back
what arrived and check that every entry arrived exactly once.

An entry is identified by ``key(entry)`` (default: its JSON). It fails while it has been seen
at most ``attempts`` times, if it is among the chosen ``fraction`` (a seeded hash of the key,
so the choice is stable across retries and runs), or always, if ``permanent(entry)`` is true.
For the DynamoDB batch operations, ``key`` and ``permanent`` see ``{"TableName": table,
"Entry": <write request or key, in the client's DynamoDB JSON>}``.
"""

from __future__ import annotations

import json
import random
import threading
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

__all__ = ["FaultInjector"]


@dataclass(frozen=True)
class _Operation:
    entries: str  # the request parameter holding the entries
    style: str  # "aligned" | "by_id" | "dynamodb_write" | "dynamodb_get"
    results: str = ""  # aligned: the response list
    count: str = ""  # aligned: the failed-count field


_OPERATIONS: dict[tuple[str, str], _Operation] = {
    ("eventbridge", "PutEvents"): _Operation("Entries", "aligned", "Entries", "FailedEntryCount"),
    ("kinesis", "PutRecords"): _Operation("Records", "aligned", "Records", "FailedRecordCount"),
    ("firehose", "PutRecordBatch"): _Operation("Records", "aligned", "RequestResponses", "FailedPutCount"),
    ("sqs", "SendMessageBatch"): _Operation("Entries", "by_id"),
    ("sns", "PublishBatch"): _Operation("PublishBatchRequestEntries", "by_id"),
    ("dynamodb", "BatchWriteItem"): _Operation("RequestItems", "dynamodb_write"),
    ("dynamodb", "BatchGetItem"): _Operation("RequestItems", "dynamodb_get"),
}

_CONTEXT_KEY = "lambda_stream_fault_plan"


def _default_key(entry: Any) -> str:
    return json.dumps(entry, sort_keys=True, default=repr)


@dataclass(frozen=True)
class _Failure:
    entry: Any
    code: str
    message: str
    sender_fault: bool = False


@dataclass
class _Plan:
    """One call's removed entries, by input position (``(table, position)`` for DynamoDB)."""

    removed: dict[Any, _Failure]
    total: int
    short_circuit: bool
    tables: dict[str, Any] = field(default_factory=dict)  # BatchGetItem: each table's other params


@dataclass
class FaultInjector:
    """Make a ``fraction`` of batch entries fail with ``code`` on their first ``attempts`` sends,
    and entries matching ``permanent`` fail on every send (with ``permanent_code``).

    ``install(client)`` registers the hooks on a boto3 client (e.g. ``connector.client``);
    ``installed(client)`` does it for a ``with`` block. ``seen`` counts the sends per entry key,
    ``injected`` the synthetic failures.
    """

    fraction: float = 0.0
    attempts: int = 1
    code: str = "ThrottlingException"
    message: str = "Rate exceeded (injected)"
    permanent: Callable[[Any], bool] | None = None
    permanent_code: str = "InternalFailure"
    permanent_sender_fault: bool = False
    seed: int = 0
    key: Callable[[Any], str] = _default_key
    seen: Counter[str] = field(default_factory=Counter)
    injected: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    # -- choosing ------------------------------------------------------------------------------

    def chosen(self, entry: Any) -> bool:
        """Whether ``entry`` is among the ``fraction`` that fail on their first attempts."""
        return random.Random(f"{self.seed}:{self.key(entry)}").random() < self.fraction

    def _failure(self, entry: Any, payload: Any = None) -> _Failure | None:
        """Count a send of ``entry`` and decide whether it fails (``payload``: what the
        predicates and the key see, ``entry`` itself unless given)."""
        subject = entry if payload is None else payload
        k = self.key(subject)
        with self._lock:
            self.seen[k] += 1
            if self.permanent is not None and self.permanent(subject):
                self.injected += 1
                message = f"{self.permanent_code} (injected, permanent)"
                return _Failure(entry, self.permanent_code, message, self.permanent_sender_fault)
            if self.seen[k] <= self.attempts and self.chosen(subject):
                self.injected += 1
                return _Failure(entry, self.code, self.message)
        return None

    # -- installing ----------------------------------------------------------------------------

    def install(self, client: Any) -> FaultInjector:
        """Register the hooks on ``client`` for the batch operations its service has."""
        events = client.meta.events
        for event, operation, spec in self._events(client):
            hook = {
                "provide-client-params": self._params_hook,
                "before-call": self._before_call_hook,
                "after-call": self._after_call_hook,
            }[event](spec)
            events.register(f"{event}.{operation}", hook, unique_id=self._uid(event, operation))
        return self

    def uninstall(self, client: Any) -> None:
        events = client.meta.events
        for event, operation, _spec in self._events(client):
            events.unregister(f"{event}.{operation}", unique_id=self._uid(event, operation))

    def _events(self, client: Any) -> Iterator[tuple[str, str, _Operation]]:
        service = client.meta.service_model.service_id.hyphenize()
        for (svc, op), spec in _OPERATIONS.items():
            if svc == service:
                for event in ("provide-client-params", "before-call", "after-call"):
                    yield event, f"{svc}.{op}", spec

    def _uid(self, event: str, operation: str) -> str:
        # botocore keeps unique ids per emitter, across event names: one per (event, operation)
        return f"lambda-stream-fault-{id(self)}-{event}-{operation}"

    @contextmanager
    def installed(self, client: Any) -> Iterator[FaultInjector]:
        self.install(client)
        try:
            yield self
        finally:
            self.uninstall(client)

    # -- hooks ---------------------------------------------------------------------------------

    def _params_hook(self, spec: _Operation) -> Callable[..., Any]:
        def hook(params: dict[str, Any], context: dict[str, Any], **_: Any) -> dict[str, Any] | None:
            if spec.style in ("aligned", "by_id"):
                entries = list(params.get(spec.entries) or [])
                removed: dict[Any, _Failure] = {}
                kept = []
                for i, entry in enumerate(entries):
                    failure = self._failure(entry)
                    if failure:
                        removed[i] = failure
                    else:
                        kept.append(entry)
                new_params = {**params, spec.entries: kept}
                total = len(entries)
                tables: dict[str, Any] = {}
            else:
                request = params.get(spec.entries) or {}
                removed, kept_request, total = self._split_dynamodb(spec, request)
                kept = list(kept_request)
                new_params = {**params, spec.entries: kept_request}
                tables = {}
                if spec.style == "dynamodb_get":
                    tables = {
                        t: {k: v for k, v in value.items() if k != "Keys"} for t, value in request.items()
                    }
            if not removed:
                context[_CONTEXT_KEY] = None
                return None
            context[_CONTEXT_KEY] = _Plan(removed, total, short_circuit=not kept, tables=tables)
            return None if not kept else new_params  # all removed: keep the request valid, skip the call

        return hook

    def _split_dynamodb(
        self, spec: _Operation, request: dict[str, Any]
    ) -> tuple[dict[Any, _Failure], dict[str, Any], int]:
        removed: dict[Any, _Failure] = {}
        kept_request: dict[str, Any] = {}
        total = 0
        for table, value in request.items():
            items = value if spec.style == "dynamodb_write" else value.get("Keys", [])
            kept_items = []
            for i, item in enumerate(items):
                total += 1
                failure = self._failure(item, {"TableName": table, "Entry": item})
                if failure:
                    removed[(table, i)] = failure
                else:
                    kept_items.append(item)
            if kept_items:
                kept_request[table] = (
                    kept_items if spec.style == "dynamodb_write" else {**value, "Keys": kept_items}
                )
        return removed, kept_request, total

    def _before_call_hook(self, spec: _Operation) -> Callable[..., Any]:
        def hook(context: dict[str, Any], **_: Any) -> tuple[Any, dict[str, Any]] | None:
            plan: _Plan | None = context.get(_CONTEXT_KEY)
            if plan is None or not plan.short_circuit:
                return None
            from botocore.awsrequest import AWSResponse

            empties: dict[str, dict[str, Any]] = {
                "aligned": {spec.results: [], spec.count: 0},
                "by_id": {"Successful": [], "Failed": []},
                "dynamodb_write": {"UnprocessedItems": {}},
                "dynamodb_get": {"Responses": {}, "UnprocessedKeys": {}},
            }
            empty = empties[spec.style]
            return AWSResponse("", 200, {}, None), empty

        return hook

    def _after_call_hook(self, spec: _Operation) -> Callable[..., Any]:
        def hook(parsed: dict[str, Any], context: dict[str, Any], **_: Any) -> None:
            plan: _Plan | None = context.get(_CONTEXT_KEY)
            if plan is None or parsed.get("Error"):
                return
            if spec.style == "aligned":
                real = iter(parsed.get(spec.results) or [])
                results = []
                for i in range(plan.total):
                    if i in plan.removed:
                        f = plan.removed[i]
                        results.append({"ErrorCode": f.code, "ErrorMessage": f.message})
                    else:
                        results.append(next(real))
                parsed[spec.results] = results
                parsed[spec.count] = int(parsed.get(spec.count) or 0) + len(plan.removed)
            elif spec.style == "by_id":
                failed = parsed.setdefault("Failed", [])
                parsed.setdefault("Successful", [])
                for f in plan.removed.values():
                    failed.append(
                        {
                            "Id": f.entry["Id"],
                            "SenderFault": f.sender_fault,
                            "Code": f.code,
                            "Message": f.message,
                        }
                    )
            elif spec.style == "dynamodb_write":
                unprocessed = parsed.setdefault("UnprocessedItems", {})
                for (table, _i), f in plan.removed.items():
                    unprocessed.setdefault(table, []).append(f.entry)
            else:
                unprocessed = parsed.setdefault("UnprocessedKeys", {})
                for (table, _i), f in plan.removed.items():
                    table_spec = unprocessed.setdefault(table, {**plan.tables.get(table, {}), "Keys": []})
                    table_spec.setdefault("Keys", []).append(f.entry)

        return hook
