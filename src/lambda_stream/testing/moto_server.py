"""A moto server on a free local port, for integration tests over real HTTP with real boto3.

    server = start_moto_server()
    os.environ.update(server.env())      # or moto_env(server.endpoint_url)
    ...
    server.reset()                       # forget every resource between tests
    server.stop()

moto is a test dependency, imported only when a server is started.
"""

from __future__ import annotations

import json
import logging
import urllib.request
from dataclasses import dataclass
from typing import Any

REGION = "us-east-1"


def moto_env(endpoint_url: str, region: str = REGION) -> dict[str, str]:
    """The environment a boto3 client needs to talk to the moto server at ``endpoint_url``."""
    return {
        "AWS_ENDPOINT_URL": endpoint_url,
        "AWS_DEFAULT_REGION": region,
        "AWS_REGION": region,
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
    }


@dataclass
class MotoServer:
    """A running ``moto.server.ThreadedMotoServer`` and what a test needs from it."""

    server: Any
    endpoint_url: str

    def env(self, region: str = REGION) -> dict[str, str]:
        return moto_env(self.endpoint_url, region)

    def reset(self) -> None:
        """Forget every resource (moto's ``/moto-api/reset``)."""
        self._post("/moto-api/reset", None)

    def configure(self, config: dict[str, Any]) -> None:
        """Set moto's config (``/moto-api/config``), e.g. ``{"lambda": {"use_docker": False}}``."""
        self._post("/moto-api/config", config)

    def _post(self, path: str, body: dict[str, Any] | None) -> None:
        data = json.dumps(body).encode() if body is not None else b""
        request = urllib.request.Request(self.endpoint_url + path, data=data, method="POST")
        request.add_header("Content-Type", "application/json")
        with urllib.request.urlopen(request, timeout=30) as response:
            response.read()

    def stop(self) -> None:
        self.server.stop()


def start_moto_server(host: str = "127.0.0.1", *, quiet: bool = True) -> MotoServer:
    """Start moto's threaded server on ``host``, on a port the OS picks (no race for a free port).

    ``quiet`` silences werkzeug's line per request (the ``werkzeug`` logger, set to WARNING).
    """
    from moto.server import ThreadedMotoServer

    if quiet:
        logging.getLogger("werkzeug").setLevel(logging.WARNING)

    server = ThreadedMotoServer(ip_address=host, port=0, verbose=False)
    server.start()
    bound_host, port = server.get_host_and_port()
    return MotoServer(server=server, endpoint_url=f"http://{bound_host}:{port}")


def create_table(client: Any, name: str, pk: str = "pk", sk: str = "sk") -> None:
    """Create an on-demand table keyed ``pk`` (hash) / ``sk`` (range), both strings."""
    client.create_table(
        TableName=name,
        KeySchema=[{"AttributeName": pk, "KeyType": "HASH"}, {"AttributeName": sk, "KeyType": "RANGE"}],
        AttributeDefinitions=[
            {"AttributeName": pk, "AttributeType": "S"},
            {"AttributeName": sk, "AttributeType": "S"},
        ],
        BillingMode="PAY_PER_REQUEST",
    )
