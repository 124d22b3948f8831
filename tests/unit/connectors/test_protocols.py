"""mypy checks the test fakes against the connector Protocols, rejects a fake that lacks a method, and
sees the element type through ``async for`` over a Stream."""

from __future__ import annotations

from pathlib import Path

from mypy import api

HERE = Path(__file__).parent
ROOT = HERE.parents[2]


def _mypy(*paths: Path) -> tuple[str, int]:
    out, err, status = api.run(
        ["--strict", "--no-error-summary", "--follow-imports=silent", "--no-incremental", *map(str, paths)]
    )
    return out + err, status


def test_the_fakes_provide_the_protocols_and_a_wrong_one_is_caught(tmp_path: Path) -> None:
    wrong = tmp_path / "wrong_fake.py"
    wrong.write_text(
        "from typing import Any\n"
        "from lambda_stream.sinks import update_dynamodb\n"
        "class Fake:\n"
        "    async def update(self, params: dict[str, Any]) -> dict[str, Any]:\n"
        "        return {}\n"
        "update_dynamodb(connector=Fake())\n"
        "async def strings() -> None:\n"
        "    from lambda_stream import Stream\n"
        "    async for x in Stream([1, 2]):\n"
        "        text: str = x\n"
    )
    out, status = _mypy(HERE / "typed_fakes.py", wrong)
    lines = [line for line in out.splitlines() if "error:" in line]
    assert [line for line in lines if "typed_fakes.py" in line] == []
    assert any("wrong_fake.py:6" in line and "DynamoDBWrites" in line for line in lines), out
    # async for over a Stream[int] gives ints
    assert any("wrong_fake.py:10" in line and 'expression has type "int"' in line for line in lines), out
    assert status == 1
