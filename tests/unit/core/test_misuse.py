"""Misused step arguments fail when the step is built, naming the argument and the fix (issue 8)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from lambda_stream import Stream

Build = Callable[[Stream[Any]], Any]


def _ident(x: Any) -> Any:
    return x


@pytest.mark.parametrize(
    ("build", "error", "message"),
    [
        (
            lambda s: s.map(_ident, parallel="4"),
            TypeError,
            r"map: parallel must be an int >= 1, got '4'.*parallel=4",
        ),
        (lambda s: s.map(_ident, parallel=0), ValueError, r"map: parallel must be >= 1, got 0"),
        (lambda s: s.map(_ident, parallel=2.5), TypeError, r"map: parallel must be an int"),
        (lambda s: s.map(_ident, parallel=True), TypeError, r"map: parallel must be an int"),
        (lambda s: s.batch("10"), TypeError, r"batch: n must be an int >= 1, got '10'.*n=10"),
        (lambda s: s.batch(0), ValueError, r"batch: n must be >= 1, got 0.*batch\(10\)"),
        (lambda s: s.rate_limit(0, 1000), ValueError, r"rate_limit: num must be >= 1"),
        (lambda s: s.rate_limit(5, "1000"), TypeError, r"rate_limit: ms must be a number of milliseconds"),
        (lambda s: s.rate_limit(5, 0), ValueError, r"rate_limit: ms must be > 0"),
        (lambda s: s.parallel(-1), ValueError, r"parallel: n must be >= 1"),
        (lambda s: s.parallel(None), TypeError, r"parallel: n must be an int"),
        (lambda s: s.fork(buffer=0), ValueError, r"fork: buffer must be >= 1"),
        (lambda s: s.fork(buffer="8"), TypeError, r"fork: buffer must be an int"),
        (
            lambda s: s.batch_with_time_or_count(100, 0),
            ValueError,
            r"batch_with_time_or_count: n must be >= 1",
        ),
        (
            lambda s: s.batch_with_time_or_count(-5, 10),
            ValueError,
            r"batch_with_time_or_count: ms must be > 0",
        ),
        (
            lambda s: s.batch_with_time_or_count("100", 10),
            TypeError,
            r"batch_with_time_or_count: ms must be a number",
        ),
        (lambda s: s.map("not a function"), TypeError, r"map: expected a function"),
        (lambda s: s.filter(None), TypeError, r"filter: expected a function"),
    ],
)
def test_a_bad_argument_fails_when_the_step_is_built(
    build: Build, error: type[Exception], message: str
) -> None:
    with pytest.raises(error, match=message):
        build(Stream([1, 2, 3]))  # no terminal: the failure is at build time


def test_good_arguments_still_build() -> None:
    s = Stream([1])
    s.map(_ident, parallel=4)
    Stream([1]).batch(1)
    Stream([1]).rate_limit(1, 0.5)
    Stream([1]).batch_with_time_or_count(1.5, 2)
    Stream([1]).parallel(1)
    Stream([1]).fork(buffer=1)
