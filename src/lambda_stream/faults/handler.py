"""``faults`` (the errors handler) and ``flush_faults`` (publish them once the batch has flowed).

Faults travel as values, one way: ``faults`` replaces an error that carries a uow with a
``FaultUow`` in the stream, and ``flush_faults`` holds those back until every uow of the
invocation has flowed, then publishes them through the configured publisher and passes them on,
so the handler reads exactly which records ended as faults from what comes out of the stream.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from ..core import Stream
from ..errors import ConfigurationError
from ..utils.json import dumps
from .events import MAX_FAULT_SIZE, FaultUow, to_fault_event

FAULTS_BATCH_SIZE = 4


Push = Callable[[Any], None]


def faults(err: BaseException, push: Push) -> None:
    """``.errors(faults)``: an error carrying a uow becomes a fault; any other error re-raises.

    A ``ConfigurationError`` always re-raises: a missing table name is not the record's fault,
    and faulting every record of every batch would hide it.
    """
    if getattr(err, "uow", None) is None or isinstance(err, ConfigurationError):
        raise err
    push(make_fault(err))


def make_fault(err: BaseException, max_size: int = MAX_FAULT_SIZE) -> FaultUow:
    uow = err.uow  # type: ignore[attr-defined]
    fault = FaultUow(event=to_fault_event(err, max_size))
    fault["failed"] = uow  # the original uow, to report its records; never published
    fault["error"] = err  # raised by a handler that can report none of its records
    return fault


def flush_faults(*, report: bool = False, **opt: Any) -> Callable[[Stream[Any]], Stream[Any]]:
    """Hold fault uows back until the stream ends, then publish them and pass them on.

    ``publish`` is a curried sink factory (e.g. ``publish_to_event_bridge``), called with the
    options and ``batch_size=faults_batch_size`` (4) once, here, so a misconfigured publisher
    (no bus name, a misspelled option) fails when the pipelines are built, not at the first fault.
    Without one, or with ``report=True``, faults are passed on unpublished (``lambda_handler``
    reports their records as batch item failures). Every fault is logged at ERROR level on the
    ``lambda_stream.faults`` logger either way.
    """
    publish: Callable[..., Callable[[Stream[Any]], Stream[Any]]] | None = opt.get("publish")
    if publish is not None and not callable(publish):
        raise ConfigurationError(
            f"flush_faults: 'publish' must be a sink factory such as publish_to_event_bridge, got {publish!r}"
        )
    log = logging.getLogger("lambda_stream.faults")
    sink: Callable[[Stream[Any]], Stream[Any]] | None = None
    if publish is not None and not report:
        opts = {**opt, "batch_size": opt.get("faults_batch_size", FAULTS_BATCH_SIZE)}
        opts.pop("publish", None)
        opts.pop("faults_batch_size", None)
        sink = publish(**opts)

    def step(s: Stream[Any]) -> Stream[Any]:
        held: list[FaultUow] = []

        def hold(uow: Any) -> bool:
            if uow.__class__ is FaultUow:
                held.append(uow)
                return False
            return True

        def release() -> Stream[Any]:
            for f in held:
                log.error("fault: %s", dumps(f["event"]))
            out: Stream[Any] = Stream(held)
            if sink is not None and held:
                out = out.map(_publishable).through(sink).map(_restore)
            return out

        return s.filter(hold).concat(release)

    return step


def _publishable(fault: FaultUow) -> dict[str, Any]:
    return {"event": fault["event"], "_fault": fault}


def _restore(uow: dict[str, Any]) -> FaultUow:
    fault: FaultUow = uow["_fault"]
    fault["published"] = {k: v for k, v in uow.items() if k not in ("event", "_fault")}
    return fault
