"""Lambda connector: ``invoke`` with the payload read in the worker thread."""

from __future__ import annotations

from typing import Any, ClassVar

from ..errors import ConnectorError
from .base import Connector


class LambdaConnector(Connector):
    """Wraps the ``lambda`` client."""

    service: ClassVar[str] = "lambda"

    async def invoke(self, params: dict[str, Any]) -> dict[str, Any]:
        """``Invoke``; ``Payload`` comes back as ``bytes``.

        A ``FunctionError`` in the response (the function raised) is raised as ``ConnectorError``
        with ``code`` ``"Unhandled"`` / ``"Handled"`` and the payload in the message.
        """

        def invoke(client: Any) -> dict[str, Any]:
            response: dict[str, Any] = client.invoke(**params)
            payload = response.get("Payload")
            if payload is not None and not isinstance(payload, bytes | bytearray):
                try:
                    response["Payload"] = payload.read()
                finally:
                    payload.close()
            return response

        response = await self.run(invoke)
        function_error = response.get("FunctionError")
        if function_error:
            payload = response.get("Payload") or b""
            text = bytes(payload).decode("utf-8", "replace")[:1000]
            name = params.get("FunctionName", "?")
            raise ConnectorError(f"{name} failed ({function_error}): {text}", code=str(function_error))
        return response
