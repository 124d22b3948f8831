"""Every ``python`` block of the guides in docs/ runs as written (in order, one namespace per guide),
against moto's server: a claim in the docs is something a test ran."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

DOCS = Path(__file__).resolve().parents[2] / "docs"
GUIDES = sorted(p for p in DOCS.glob("*.md") if re.search(r"```python\n", p.read_text()))


@pytest.mark.parametrize("guide", GUIDES, ids=[p.name for p in GUIDES])
def test_every_python_block_of_the_guide_runs(guide: Path, aws: str, monkeypatch: pytest.MonkeyPatch) -> None:
    for name in (
        "BUS_NAME",
        "ENTITY_TABLE_NAME",
        "EVENT_TABLE_NAME",
        "STREAM_NAME",
        "CLAIMCHECK_BUCKET_NAME",
    ):
        monkeypatch.delenv(name, raising=False)
    blocks = re.findall(r"```python\n(.*?)```", guide.read_text(), flags=re.S)
    namespace: dict[str, Any] = {"__name__": f"docs_{guide.stem.replace('-', '_')}"}
    for i, block in enumerate(blocks):
        exec(compile(block, f"{guide.name} (python block {i + 1})", "exec"), namespace)
    for value in list(namespace.values()):  # close what the guide opened: handlers, connector caches
        close = getattr(value, "close", None)
        if callable(close) and type(value).__name__ in ("LambdaHandler", "ConnectorCache"):
            close()
