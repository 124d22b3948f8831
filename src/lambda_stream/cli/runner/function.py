"""A function as Lambda runs it: containers that each load the handler once and take one
invocation at a time, a timeout, and the outcome of each invocation.

A handler named ``module:function`` is loaded afresh in every container (the module's code runs
again, as in a new Lambda container), so concurrent batches never share a handler's event loop
or module-level state. The first container imports the module normally (so ``sys.modules`` and
tools that look there see it); later ones execute it into a new module object.
"""

from __future__ import annotations

import asyncio
import importlib
import importlib.util
import time
import traceback
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from ...errors import ConfigurationError
from .context import LambdaContext
from .mapping import Handler


@dataclass
class Outcome:
    """What one invocation returned: a response, or the error Lambda would report."""

    response: Any = None
    error: str | None = None  # "<ErrorType>: <message>" (Lambda's errorType / errorMessage)
    timed_out: bool = False
    request_id: str = ""
    duration_ms: float = 0.0

    @property
    def failed(self) -> bool:
        return self.error is not None


def load_handler(spec: str, *, fresh: bool = False) -> Handler:
    """The callable named ``module:function`` (``fresh``: run the module's code into a new module)."""
    module_name, sep, attr = spec.partition(":")
    if not sep or not module_name or not attr:
        raise ConfigurationError(
            f"handler {spec!r}: give it as module:function (e.g. service.trigger:handler)"
        )
    if fresh:
        found = importlib.util.find_spec(module_name)
        if found is None or found.loader is None:
            raise ConfigurationError(f"handler {spec!r}: no module {module_name!r} on sys.path")
        module = importlib.util.module_from_spec(found)
        found.loader.exec_module(module)
    else:
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as e:
            raise ConfigurationError(f"handler {spec!r}: no module {module_name!r} on sys.path") from e
    target = module
    for part in attr.split("."):
        try:
            target = getattr(target, part)
        except AttributeError as e:
            raise ConfigurationError(f"handler {spec!r}: module {module_name!r} has no {attr!r}") from e
    if not callable(target):
        raise ConfigurationError(f"handler {spec!r}: {attr!r} is not callable")
    return target


def close_handler(handler: Any) -> None:
    """Release what a handler holds (lambda-stream's handlers own an event loop: ``bridge``)."""
    for owner in (handler, getattr(handler, "bridge", None)):
        close = getattr(owner, "close", None)
        if callable(close):
            close()


@dataclass
class _Container:
    handler: Handler
    executor: ThreadPoolExecutor


@dataclass
class Function:
    """Containers for one function; ``invoke`` borrows an idle one (or starts one) per batch."""

    source: str | Callable[[], Handler]
    name: str
    timeout_s: float
    region: str = "us-east-1"
    account: str = "123456789012"
    _idle: list[_Container] = field(default_factory=list)
    _all: list[_Container] = field(default_factory=list)
    _started: int = 0

    @property
    def arn(self) -> str:
        return f"arn:aws:lambda:{self.region}:{self.account}:function:{self.name}"

    @property
    def containers(self) -> int:
        """How many containers were started (Lambda's concurrent executions, at their peak)."""
        return self._started

    def _make(self) -> Handler:
        if isinstance(self.source, str):
            return load_handler(self.source, fresh=self._started > 1)
        return self.source()

    async def _container(self) -> _Container:
        if self._idle:
            return self._idle.pop()
        self._started += 1
        executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix=f"{self.name}-{self._started}")
        loop = asyncio.get_running_loop()
        try:
            handler = await loop.run_in_executor(executor, self._make)  # the init phase, on its thread
        except BaseException:
            executor.shutdown(wait=False)
            raise
        container = _Container(handler, executor)
        self._all.append(container)
        return container

    async def invoke(self, event: dict[str, Any]) -> Outcome:
        """Invoke with ``event``; an exception or the timeout is the outcome's ``error``."""
        container = await self._container()
        context = LambdaContext(self.name, self.timeout_s, region=self.region, account=self.account)
        loop = asyncio.get_running_loop()
        started = time.perf_counter()
        future = loop.run_in_executor(container.executor, _call, container.handler, event, context)
        done, _ = await asyncio.wait({future}, timeout=self.timeout_s)
        elapsed = (time.perf_counter() - started) * 1000
        if not done:
            # Lambda stops the container; a thread cannot be stopped, so this one is abandoned
            # (it finishes on its own) and the next batch gets a new container.
            self._all.remove(container)
            container.executor.shutdown(wait=False)
            return Outcome(
                error=f"Sandbox.Timedout: Task timed out after {self.timeout_s:.2f} seconds",
                timed_out=True,
                request_id=context.aws_request_id,
                duration_ms=elapsed,
            )
        self._idle.append(container)
        response, error = future.result()
        return Outcome(response, error, request_id=context.aws_request_id, duration_ms=elapsed)

    def close(self) -> None:
        """Close every container's handler (on its own thread) and stop the threads."""
        for container in self._all:
            container.executor.submit(close_handler, container.handler).result()
            container.executor.shutdown(wait=True)
        self._all.clear()
        self._idle.clear()


def _call(handler: Handler, event: dict[str, Any], context: LambdaContext) -> tuple[Any, str | None]:
    try:
        return handler(event, context), None
    except Exception as e:  # what Lambda reports as the function error
        last = traceback.extract_tb(e.__traceback__)[-1:] if e.__traceback__ else []
        where = f" ({last[0].filename}:{last[0].lineno})" if last else ""
        return None, f"{type(e).__name__}: {e}{where}"
