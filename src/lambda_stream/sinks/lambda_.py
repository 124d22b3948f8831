"""``invoke_lambda``: one Invoke per uow, ``parallel`` at once."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from .._steps import LAMBDA, StepBuild, Uow, per_uow_step
from ..config import declares_options, env

if TYPE_CHECKING:
    from ..connectors.protocols import LambdaApi
    from ..core import Stream

__all__ = ["invoke_lambda"]


@declares_options
def invoke_lambda(
    *,
    function_name: str | None = env("FUNCTION_NAME"),
    invoke_request_field: str = "invoke_request",
    invoke_response_field: str = "invoke_response",
    parallel: int = env("LAMBDA_PARALLEL", "PARALLEL", default=8),
    connector: LambdaApi | None = None,
    **shared: Any,
) -> Callable[[Stream[Uow]], Stream[Uow]]:
    """Invoke with each uow's ``invoke_request`` (``{FunctionName?, Payload, InvocationType?, ...}``).

    A request's own ``FunctionName`` wins over ``function_name``.
    """
    b = StepBuild("invoke_lambda", shared)
    name = b.text("function_name", function_name)
    request_field = b.field("invoke_request_field", invoke_request_field)
    response_field = b.field("invoke_response_field", invoke_response_field)
    n = b.count("parallel", parallel)
    fn = b.connector(LAMBDA, connector, n, needs=("invoke",))

    async def invoke(req: Any, uow: Uow) -> Any:
        return await fn.invoke({"FunctionName": name, **req} if name else req)

    return per_uow_step(b, request_field, response_field, n, invoke)
