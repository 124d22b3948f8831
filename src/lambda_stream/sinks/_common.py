"""Plumbing shared by the sinks and queries: options, connector resolution, per-uow outcomes.

A batch call covers several uows but its failures belong to single uows. A batch step therefore
returns one outcome per uow (the adorned uow, or ``Raise(err)``); ``flat_map`` splices them back
in order and ``unwrap`` raises each ``Raise`` in its uow's place, so exactly that uow becomes an
error value (its ``err.uow`` set) while the others flow on.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Mapping
from typing import Any, TypeVar

from ..errors import ConfigurationError
from ..faults.wrap import attach_uow

Uow = dict[str, Any]
C = TypeVar("C")

KIB = 1024
MAX_REQUEST_SIZE = 256 * KIB
BATCH_MAX_RETRIES = 8
SHARED_POOL = 64  # requests in flight a connector made by a sink allows, for all its sinks together

# Connector constructor options a sink passes through when it builds its own connector.
_CONNECTOR_OPTIONS = ("region", "endpoint_url", "timeout", "max_attempts", "retry_mode", "retry_base_delay")


def env_number(names: Iterable[str], default: int) -> int:
    """The first of the env vars ``names`` holding a positive integer, else ``default``."""
    for name in names:
        raw = os.environ.get(name)
        if raw:
            try:
                value = int(raw)
            except ValueError as e:
                raise ConfigurationError(f"{name}={raw!r} is not an integer") from e
            if value > 0:
                return value
    return default


def option_number(opt: Mapping[str, Any], key: str, env: Iterable[str], default: int) -> int:
    """``opt[key]`` when given, else the env vars, else ``default``; always a positive int."""
    value = opt.get(key)
    if value is None:
        return env_number(env, default)
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ConfigurationError(f"{key} must be a positive integer, got {value!r}")
    return value


def option_str(
    opt: Mapping[str, Any], key: str, env: Iterable[str], default: str | None = None
) -> str | None:
    value = opt.get(key)
    if value:
        return str(value)
    for name in env:
        raw = os.environ.get(name)
        if raw:
            return raw
    return default


def required_str(opt: Mapping[str, Any], key: str, env: Iterable[str], step: str) -> str:
    """``option_str`` for a sink's target: missing, it fails when the step is built, naming both
    the option and the environment variables (not on the first event, as a 404 from AWS)."""
    env = tuple(env)
    value = option_str(opt, key, env)
    if not value:
        names = " or ".join(env)
        raise ConfigurationError(f"{step}: no {key!r} option and {names} is not set")
    return value


def resolve_connector(
    opt: Mapping[str, Any], load: Callable[[], type[C]], parallel: int, key: str = "connector"
) -> Any:
    """``opt[key]`` if given; else from ``opt["connectors"]`` (a ``ConnectorCache``); else a new one.

    ``load`` imports the connector class, so a sink given a connector never imports connector code.
    """
    given = opt.get(key)
    if given is not None:
        capacity = getattr(given, "parallel", None)
        if isinstance(capacity, int) and capacity < parallel:
            raise ConfigurationError(
                f"{type(given).__name__} runs {capacity} requests at once but the sink asks for "
                f"parallel={parallel}: build the connector with parallel={parallel} or more"
            )
        return given
    cls = load()
    kwargs: dict[str, Any] = {k: opt[k] for k in _CONNECTOR_OPTIONS if opt.get(k) is not None}
    # A connector made here may be shared (through ``connectors``) by every sink of the handler
    # that talks to its service: its pool is a ceiling for all of them together, each sink's own
    # ``parallel`` is what limits it. Threads and connections only open when used.
    kwargs["parallel"] = max(parallel, SHARED_POOL)
    kwargs["max_retries"] = option_number(opt, "max_retries", ("BATCH_MAX_RETRIES",), BATCH_MAX_RETRIES)
    cache = opt.get("connectors")
    if cache is not None:
        from ..connectors.base import ConnectorCache

        if isinstance(cache, ConnectorCache):
            return cache.get(cls, **kwargs)
    return cls(**kwargs)


class Raise:
    """An outcome meaning "raise this error in this uow's place"."""

    __slots__ = ("error",)

    def __init__(self, error: BaseException) -> None:
        self.error = error

    def __repr__(self) -> str:
        return f"Raise({self.error!r})"


def unwrap(outcome: Any) -> Any:
    """Pass a uow on; raise a ``Raise``'s error (so it becomes that uow's error value)."""
    if outcome.__class__ is Raise:
        raise outcome.error
    return outcome


def splice(outcomes: list[Any]) -> list[Any]:
    return outcomes


def batches_by_size(
    uows: list[Uow], size_of: Callable[[Uow], int | None], max_count: int, max_bytes: int
) -> list[list[Uow]]:
    """Split a batch greedily so each part holds at most ``max_count`` entries and ``max_bytes``.

    ``size_of(uow)`` is the uow's entry size, or ``None`` when it has no entry (it rides along
    with its neighbours and counts for nothing).
    """
    out: list[list[Uow]] = []
    part: list[Uow] = []
    count = total = 0
    for uow in uows:
        size = size_of(uow)
        if size is not None:
            if part and (count + 1 > max_count or total + size > max_bytes):
                out.append(part)
                part, count, total = [], 0, 0
            count += 1
            total += size
        part.append(uow)
    if part:
        out.append(part)
    return out


def per_uow_sink(
    request_field: str,
    response_field: str,
    parallel: int,
    invoke: Callable[[Any, Uow], Any],
    is_empty: Callable[[Any], bool] | None = None,
) -> Callable[[Any], Any]:
    """A step calling ``await invoke(request, uow)`` for each uow with a request, ``parallel`` at once.

    The response goes on ``response_field``; a uow without a request (missing, ``None`` or empty,
    or one ``is_empty`` says asks for nothing) passes through untouched; an error becomes that
    uow's error value (``err.uow`` set).
    """

    async def run(uow: Uow) -> Uow:
        req = uow.get(request_field)
        if not req or (is_empty is not None and is_empty(req)):
            return uow
        try:
            resp = await invoke(req, uow)
        except Exception as e:
            attach_uow(e, uow)
            raise  # the same exception, its cause kept
        return {**uow, response_field: resp}

    def step(s: Any) -> Any:
        return s.map(run, parallel=parallel)

    return step


def with_table(table: str | None, req: Any, step: str) -> Any:
    """A DynamoDB request with the step's table, unless it names its own; neither is a
    configuration error (it fails the invocation instead of faulting every record)."""
    if table is None:
        if not req.get("TableName"):
            raise ConfigurationError(
                f"{step}: no 'table_name' option, ENTITY_TABLE_NAME / EVENT_TABLE_NAME are not set"
                " and the request has no TableName"
            )
        return req
    return {"TableName": table, **req}
