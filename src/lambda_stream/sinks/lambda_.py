"""``invoke_lambda``: one Invoke per uow, ``parallel`` at once."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from ._common import Uow, option_number, option_str, per_uow_sink, resolve_connector

if TYPE_CHECKING:
    from ..core import Stream

__all__ = ["invoke_lambda"]


def _load() -> Any:
    from ..connectors.lambda_ import LambdaConnector

    return LambdaConnector


def invoke_lambda(**opt: Any) -> Callable[[Stream[Any]], Stream[Any]]:
    """Invoke with each uow's ``invoke_request`` (``{FunctionName?, Payload, InvocationType?, ...}``).

    Options: ``function_name`` (``FUNCTION_NAME``; a request's own ``FunctionName`` wins),
    ``invoke_request_field``, ``invoke_response_field``, ``parallel`` (``LAMBDA_PARALLEL``/
    ``PARALLEL``, 8), ``connector``/``connectors``.
    """
    function_name = option_str(opt, "function_name", ("FUNCTION_NAME",))
    request_field = str(opt.get("invoke_request_field") or opt.get("invoke_field") or "invoke_request")
    response_field = str(opt.get("invoke_response_field") or "invoke_response")
    parallel = option_number(opt, "parallel", ("LAMBDA_PARALLEL", "PARALLEL"), 8)
    connector = resolve_connector(opt, _load, parallel)

    async def invoke(req: Any, uow: Uow) -> Any:
        params = {"FunctionName": function_name, **req} if function_name else req
        return await connector.invoke(params)

    return per_uow_sink(request_field, response_field, parallel, invoke)
