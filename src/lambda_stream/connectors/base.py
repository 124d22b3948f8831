"""The connector: one lazily created boto3 client and its own thread pool.

A connector is the only place that talks to AWS. ``call`` runs a blocking boto3 call on the
connector's own ``ThreadPoolExecutor(max_workers=parallel)`` (not the loop's default executor,
whose size follows the CPU count), so ``parallel=n`` really means n requests in flight, and the
client's connection pool is sized to match. boto3/botocore are imported on first use only.
AWS errors are mapped on the way out (``aws_errors``); batch APIs retry their failed entries
(``batch``).
"""

from __future__ import annotations

import asyncio
import os
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor, wait
from typing import Any, ClassVar, TypeVar

from ..errors import ConfigurationError, ConnectorError, LambdaStreamError
from .aws_errors import error_class_for, map_exception
from .batch import BatchResult

# ``error_class_for`` (aws_errors) and ``BatchResult`` (batch) lived here before the split; they are
# re-exported for the callers that still import them from here.
__all__ = ["BatchResult", "Connector", "ConnectorCache", "error_class_for"]

T = TypeVar("T")
K = TypeVar("K")

MISSING_BOTO3 = (
    "boto3 is not installed: install the AWS extra, pip install 'lambda-stream[aws]'"
    " (the Lambda runtime already ships boto3; deploy without it)"
)

# ---------------------------------------------------------------------------------------------
# Connector
# ---------------------------------------------------------------------------------------------


class Connector:
    """A thin wrapper around one boto3 client; subclasses name the ``service`` and add methods."""

    service: ClassVar[str]

    def __init__(
        self,
        *,
        region: str | None = None,
        endpoint_url: str | None = None,
        parallel: int = 8,
        timeout: float = 10.0,
        max_attempts: int = 3,
        retry_mode: str = "adaptive",
        max_retries: int = 8,
        retry_base_delay: float = 0.05,
        client: Any = None,
    ) -> None:
        if parallel < 1:
            raise ValueError("parallel must be >= 1")
        self.region = region
        self.endpoint_url = endpoint_url
        self.parallel = parallel
        self.timeout = timeout
        self.max_attempts = max_attempts
        self.retry_mode = retry_mode
        self.max_retries = max_retries
        self.retry_base_delay = retry_base_delay
        self._client: Any = client
        self._owns_client = client is None  # a client handed in (a fake, a stub) is never closed
        self._executor: ThreadPoolExecutor | None = None
        # Calls running (or queued) in the pool: a cancelled invocation cannot stop a boto3 call,
        # so the handler waits for these (``wait_idle``) before it returns or starts the next one.
        self._calls: set[Future[Any]] = set()
        self._calls_lock = threading.Lock()

    @property
    def client(self) -> Any:
        """The boto3 client, created on first use (boto3 is imported here, not at import time)."""
        if self._client is None:
            self._client = self._create_client()
        return self._client

    def _create_client(self) -> Any:
        try:
            import boto3.session
            from botocore.config import Config
        except ImportError as e:
            raise ConfigurationError(MISSING_BOTO3) from e

        config = Config(
            max_pool_connections=max(self.parallel, 10),
            connect_timeout=self.timeout,
            read_timeout=self.timeout,
            # total_max_attempts: the retries dict's "max_attempts" counts retries, not attempts
            # (it becomes total_max_attempts = max_attempts + 1); ours means attempts, like AWS_MAX_ATTEMPTS.
            retries={"mode": self.retry_mode, "total_max_attempts": self.max_attempts},
        )
        region = self.region or os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION")
        # A session of its own: boto3's default session is shared module state and not thread-safe.
        # endpoint_url=None lets botocore honour AWS_ENDPOINT_URL / AWS_ENDPOINT_URL_<SERVICE>.
        session = boto3.session.Session()
        return session.client(self.service, region_name=region, endpoint_url=self.endpoint_url, config=config)

    def _pool(self) -> ThreadPoolExecutor:
        if self._executor is None:
            self._executor = ThreadPoolExecutor(
                max_workers=self.parallel, thread_name_prefix=f"lambda-stream-{self.service}"
            )
        return self._executor

    async def run(self, fn: Callable[[Any], T]) -> T:
        """Run ``fn(client)`` on the connector's thread pool, mapping AWS errors on the way out.

        Anything that must touch the network (reading a streaming ``Body``) belongs in ``fn``.
        """
        try:
            client = self.client  # created on the loop thread, once, before any worker uses it
        except Exception as e:
            raise self._client_error(e) from e
        future = self._pool().submit(fn, client)
        with self._calls_lock:
            self._calls.add(future)
        future.add_done_callback(self._forget)
        try:
            return await asyncio.wrap_future(future)
        except Exception as e:
            mapped = map_exception(e)
            if mapped is e:
                raise
            raise mapped from e

    def _forget(self, future: Future[Any]) -> None:
        with self._calls_lock:
            self._calls.discard(future)

    @property
    def in_flight(self) -> int:
        """How many calls are running or queued in this connector's threads now."""
        with self._calls_lock:
            return len(self._calls)

    def wait_idle(self, timeout_s: float | None) -> bool:
        """Wait up to ``timeout_s`` seconds (None: until done) for the calls still running in this
        connector's threads.

        Cancelling the task that awaits a call does not stop the call: boto3 cannot be interrupted,
        so the request runs to its end in its thread (a queued one is dropped). A handler calls this
        at its hard deadline (with the time left) and before the next invocation starts, so no write
        of an invocation lands after it returned. True when none is running any more.
        """
        with self._calls_lock:
            pending = list(self._calls)
        if not pending:
            return True
        _, not_done = wait(pending, timeout=None if timeout_s is None else max(0.0, timeout_s))
        return not not_done

    def _client_error(self, error: Exception) -> BaseException:
        """The error to raise when the client cannot be created (no region, bad endpoint, ...)."""
        if isinstance(error, LambdaStreamError):
            return error
        from botocore.exceptions import NoRegionError

        if isinstance(error, NoRegionError):
            return ConfigurationError(
                f"cannot create the {self.service} client: no AWS region (set AWS_REGION or pass region=)"
            )
        mapped = map_exception(error)
        if isinstance(mapped, ConnectorError):
            return type(mapped)(f"cannot create the {self.service} client: {mapped}", code=mapped.code)
        return ConnectorError(
            f"cannot create the {self.service} client: {type(error).__name__}: {error}",
            code=type(error).__name__,
        )

    async def call(self, operation: str, **params: Any) -> dict[str, Any]:
        """Run ``client.<operation>(**params)`` in the connector's pool; errors are mapped."""

        def invoke(client: Any) -> dict[str, Any]:
            result: dict[str, Any] = getattr(client, operation)(**params)
            return result

        return await self.run(invoke)

    def close(self) -> None:
        """Shut the thread pool down and close the client it created (both re-created on use).

        Waits for calls still running on the pool: call it when the work is done.
        """
        if self._executor is not None:
            self._executor.shutdown(wait=True)
            self._executor = None
        if self._client is not None and self._owns_client:
            closer = getattr(self._client, "close", None)
            if callable(closer):
                closer()
            self._client = None

    def __repr__(self) -> str:
        return f"{type(self).__name__}(region={self.region!r}, parallel={self.parallel})"


class ConnectorCache:
    """One connector per (class, options), kept by the handler that owns the cache (no globals).

    Any class works (a fake connector too); options must be hashable.
    """

    def __init__(self) -> None:
        self._connectors: dict[tuple[Any, ...], Any] = {}
        self._given: dict[int, Any] = {}  # connectors steps were given: waited for, never closed

    def track(self, connector: Any) -> None:
        """Count a connector a step was given (``connector=``) in ``wait_idle``; the cache does
        not own it, so ``close`` leaves it alone."""
        if callable(getattr(connector, "wait_idle", None)):
            self._given.setdefault(id(connector), connector)

    def get(self, cls: type[K], **kwargs: Any) -> K:
        key = (cls, *sorted(kwargs.items()))
        connector = self._connectors.get(key)
        if connector is None:
            connector = cls(**kwargs)
            self._connectors[key] = connector
        result: K = connector
        return result

    def __len__(self) -> int:
        return len(self._connectors)

    def wait_idle(self, timeout_s: float | None) -> bool:
        """Wait up to ``timeout_s`` seconds in all (None: until done) for the calls still running in
        every cached or tracked connector (see ``Connector.wait_idle``). True when none is running."""
        deadline = None if timeout_s is None else time.monotonic() + max(0.0, timeout_s)
        idle = True
        for connector in [*self._connectors.values(), *self._given.values()]:
            waiter = getattr(connector, "wait_idle", None)
            if callable(waiter):
                left = None if deadline is None else max(0.0, deadline - time.monotonic())
                idle = bool(waiter(left)) and idle
        return idle

    def close(self) -> None:
        """Close every cached connector (those that have a ``close``) and forget them."""
        for connector in self._connectors.values():
            closer = getattr(connector, "close", None)
            if callable(closer):
                closer()
        self._connectors.clear()
