"""``initialize`` / ``assemble``: many pipelines over one forked head."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

from ..config import check_options
from ..core import CHUNK, Stream
from ..errors import ConfigurationError
from ..faults import FaultUow, faults, flush_faults
from .invocation import Invocation
from .log import pipeline_logger

Step = Callable[[Stream[Any]], Stream[Any]]
Pipeline = Callable[[dict[str, Any]], Step]


class Pipelines:
    """Pipelines bound to their options, built once (per container); ``assemble`` runs them all
    over one head stream (per invocation)."""

    def __init__(self, steps: dict[str, tuple[Step, Any]], opt: dict[str, Any]) -> None:
        self.steps = steps
        self.opt = opt
        # the fault publishers, built once with the pipelines: a misconfigured one fails here
        self._flush = flush_faults(**opt)
        self._flush_reported = flush_faults(**{**opt, "report": True})
        self._redeem: Step | None = None  # the claim-check step, built on the first stub seen

    @property
    def ids(self) -> list[str]:
        return list(self.steps)

    def assemble(
        self, head: Stream[Any], include_faults: bool = True, *, invocation: Invocation | None = None
    ) -> Stream[Any]:
        """Fork ``head`` into every pipeline, merge their outputs, then turn errors that carry a
        uow into fault events and flush them.

        At the head, before the fork: claim-check stubs are redeemed, and an error of a record (it
        did not decode, its stub could not be fetched) becomes one fault — not one per pipeline.
        The forks are bounded (``CHUNK`` elements), so a pipeline whose filter passes nothing
        never makes the others buffer the batch. ``invocation`` (given by ``lambda_handler``)
        makes each pipeline stop taking uows at its soft deadline and says whether faults are
        published or reported as batch item failures.
        """
        if not isinstance(head, Stream):
            raise ConfigurationError(
                f"assemble takes the source's Stream (e.g. from_kinesis(event)), got {type(head).__name__}"
            )
        head = head.map(self._redeem_stub).errors(_to_fault)
        deadline = invocation is not None and invocation.soft_deadline is not None
        lines = []
        for pid, (step, logger) in self.steps.items():
            branch = head.fork(CHUNK).filter(_not_fault)
            if deadline:
                assert invocation is not None
                # each pipeline stops taking uows at the soft deadline (the handler reports them):
                # a branch may have read its chunk of records from the head long before
                branch = branch.filter(invocation.in_time)
            out = step(branch.map(_adorn(pid, logger)))
            if not isinstance(out, Stream):
                raise ConfigurationError(
                    f"pipeline {pid!r}: its step returned {type(out).__name__}, not a Stream "
                    "(a pipeline is `def pipeline(opt): return lambda s: s.filter(...).map(...)`)"
                )
            lines.append(out)
        lines.append(head.fork(CHUNK).filter(_is_fault))  # the head's own faults, once
        s = Stream.merge(lines)
        if include_faults:
            report = invocation is not None and invocation.report_faults
            s = s.errors(faults).through(self._flush_reported if report else self._flush)
        return s

    def _redeem_stub(self, uow: Any) -> Any:
        """A uow whose event is a claim-check stub, redeemed; any other uow as it is (one dict
        lookup: the check costs nothing when no stub is present)."""
        event = uow.get("event") if type(uow) is dict else None
        if type(event) is not dict or "s3" not in event:
            return uow
        from ..queries.claim_check import is_claim_check

        if not is_claim_check(event):
            return uow
        return self._redeem_one(uow)

    async def _redeem_one(self, uow: dict[str, Any]) -> Any:
        if self._redeem is None:
            from ..queries.claim_check import redeem_claim_check

            self._redeem = redeem_claim_check(**self.opt)
        out = await Stream([uow]).through(self._redeem).to_list()
        return out[0]


def _to_fault(err: BaseException, push: Callable[[Any], None]) -> None:
    """An error at the head that carries its record's uow becomes that record's one fault."""
    if getattr(err, "uow", None) is None or isinstance(err, ConfigurationError):
        raise err
    faults(err, push)


def _not_fault(uow: Any) -> bool:
    return uow.__class__ is not FaultUow


def _is_fault(uow: Any) -> bool:
    return uow.__class__ is FaultUow


def _adorn(pid: str, logger: Any) -> Callable[[Any], dict[str, Any]]:
    def adorn(uow: Any) -> dict[str, Any]:
        if type(uow) is not dict and not isinstance(uow, Mapping):
            raise ConfigurationError(
                f"pipeline {pid!r}: the source gave {type(uow).__name__}, not a uow (a dict)"
            )
        return {**uow, "pipeline": pid, "logger": logger}

    return adorn


def initialize(pipelines: Mapping[str, Pipeline], opt: Mapping[str, Any] | None = None) -> Pipelines:
    """Bind each pipeline to ``{**opt, "id": id, "logger": pl.<id>}`` once; honours enabled/disabled ids.

    Build it once per container, in the handler module: ``lambda_handler(initialize(PIPELINES,
    OPT), source=from_kinesis)``. A pipeline that does not return a step fails here, by name.
    """
    if not isinstance(pipelines, Mapping):
        raise ConfigurationError(
            "initialize takes a mapping of pipeline id -> pipeline function, e.g. "
            f"initialize({{'p1': pipeline}}, opt), got {type(pipelines).__name__}"
        )
    if opt is not None and not isinstance(opt, Mapping):
        raise ConfigurationError(f"initialize: opt must be a mapping of options, got {type(opt).__name__}")
    base = dict(opt or {})
    check_options("initialize", base, _INITIALIZE_OPTIONS)
    if base.get("connectors") is None:  # one cache per Pipelines: clients shared, calls in flight waited for
        from ..connectors.base import ConnectorCache

        base["connectors"] = ConnectorCache()
    enabled = _ids("enabled_pipelines", base.get("enabled_pipelines"))
    disabled = _ids("disabled_pipelines", base.get("disabled_pipelines")) or frozenset()
    debug = str(base.get("debug") or "")
    steps: dict[str, tuple[Step, Any]] = {}
    for pid, pipeline in pipelines.items():
        if not isinstance(pid, str) or not pid:
            raise ConfigurationError(f"initialize: a pipeline id must be a non-empty string, got {pid!r}")
        if not callable(pipeline):
            raise ConfigurationError(
                f"pipeline {pid!r}: expected a function opt -> step, got {type(pipeline).__name__}"
            )
        if (enabled is not None and pid not in enabled) or pid in disabled:
            continue
        logger = pipeline_logger(pid, debug)
        step = pipeline({**base, "id": pid, "logger": logger})
        if not callable(step):
            raise ConfigurationError(
                f"pipeline {pid!r} returned {step!r}, not a step: a pipeline is "
                "`def pipeline(opt): return lambda s: s.filter(...).map(...)` (did it forget `return`?)"
            )
        steps[pid] = (step, logger)
    return Pipelines(steps, base)


_INITIALIZE_OPTIONS = frozenset({"enabled_pipelines", "disabled_pipelines", "debug", "publish", "connectors"})


def _ids(name: str, value: Any) -> frozenset[str] | None:
    """Pipeline ids: a collection of ids, or a comma-separated string (as the environment gives)."""
    if value is None:
        return None
    if isinstance(value, str):
        return frozenset(v.strip() for v in value.split(",") if v.strip())
    if not isinstance(value, Iterable):
        raise ConfigurationError(f"initialize: {name} must be a collection of pipeline ids, got {value!r}")
    return frozenset(str(v) for v in value)
