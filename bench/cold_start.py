"""Cold start: what the handler imports add to a fresh interpreter, against Powertools' batch import.

Each side is a fresh ``python -c ...`` (``.pyc`` files already compiled), the sides interleaved
(the first rotates), ``--runs`` rounds; per side the median wall time and the median CPU time
(user + sys of the child, from ``getrusage``: the build box is shared, and CPU time does not count
the waits for a core). Sides:

- ``asyncio``: ``import asyncio`` (lambda-stream's core needs it; so does Powertools' batch);
- ``lambda-stream``: ``import asyncio`` then the README's handler imports
  ``from lambda_stream import Stream, from_kinesis, initialize, update_dynamodb, lambda_handler``;
- ``powertools``: ``import asyncio`` then
  ``from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response``.

Printed: each side's cost beyond ``asyncio`` and the ratio lambda-stream / Powertools.
Targets: lambda-stream <= +10 ms beyond ``import asyncio`` and <= 0.5x Powertools' batch import.
The lambda-stream child also checks that boto3 / botocore were not imported.

Run: ``.venv/bin/python bench/cold_start.py [--runs 21]``
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import time

from _harness import verdict

HANDLER = "from lambda_stream import Stream, from_kinesis, initialize, update_dynamodb, lambda_handler"
SIDES = {
    "asyncio": "import asyncio",
    "lambda-stream": f"import asyncio; {HANDLER}; import sys; assert not {{'boto3', 'botocore'}} & set(sys.modules)",
    "powertools": "import asyncio; "
    "from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response",
}


# .pyc files must exist and be used: the build box sets PYTHONDONTWRITEBYTECODE, under which
# every import of the editable install would compile its source again
ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


def once(code: str) -> tuple[float, float]:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t = time.perf_counter()
    subprocess.run([sys.executable, "-c", code], check=True, env=ENV)
    wall = time.perf_counter() - t
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=21)
    args = parser.parse_args()
    names = list(SIDES)
    for code in SIDES.values():  # warm the page cache and write the .pyc files once
        subprocess.run([sys.executable, "-c", code], check=True, env=ENV)
    wall: dict[str, list[float]] = {n: [] for n in names}
    cpu: dict[str, list[float]] = {n: [] for n in names}
    for r in range(args.runs):
        for name in names[r % 3 :] + names[: r % 3]:
            w, c = once(SIDES[name])
            wall[name].append(w)
            cpu[name].append(c)
    print(f"fresh interpreters, {args.runs} interleaved rounds, medians (ms)")
    for label, data in (("wall", wall), ("cpu", cpu)):
        m = {n: statistics.median(v) * 1e3 for n, v in data.items()}
        ls, pt = m["lambda-stream"] - m["asyncio"], m["powertools"] - m["asyncio"]
        print(
            f"  {label:4}: import asyncio {m['asyncio']:6.1f}; lambda-stream +{ls:5.1f}; "
            f"Powertools batch +{pt:5.1f}; ratio {ls / pt:.2f}x"
        )
        met = "met" if ls <= 10 else "MISSED"
        print(f"        beyond asyncio: target <= +10 ms: {met}; vs Powertools: {verdict(ls / pt, 0.5)}")


if __name__ == "__main__":
    main()
