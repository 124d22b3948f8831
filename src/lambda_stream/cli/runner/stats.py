"""Counts per source while the runner runs (what the progress line and the report show)."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class SourceStats:
    """One mapping's counts; ``checkpoints`` holds each shard's last checkpointed sequence number."""

    source: str  # the ARN once resolved
    function: str
    name: str = ""  # the source as the mapping named it (table, stream or queue name)
    records_read: int = 0
    records_done: int = 0  # delivered and not failed (or deleted, for SQS)
    invocations: int = 0
    function_errors: int = 0
    partial_failures: int = 0  # invocations that reported batch item failures
    redelivered: int = 0  # records delivered again after a failure
    duplicates: int = 0  # SQS: messages delivered again after they were done (at-least-once)
    bisects: int = 0
    discarded: int = 0  # records given up on (retries exhausted), sent to the on-failure destination
    shards: int = 0
    checkpoints: dict[str, str] = field(default_factory=dict)
    peak_in_flight: int = 0
    in_flight: int = 0
    busy_ms: float = 0.0

    def line(self) -> str:
        failed = f", {self.function_errors} errors" if self.function_errors else ""
        partial = f", {self.partial_failures} partial" if self.partial_failures else ""
        again = f", {self.redelivered} redelivered" if self.redelivered else ""
        bisect = f", {self.bisects} bisects" if self.bisects else ""
        gone = f", {self.discarded} to on-failure" if self.discarded else ""
        gone += f", {self.duplicates} duplicates" if self.duplicates else ""
        shards = f" [{self.shards} shard{'s' if self.shards != 1 else ''}]" if self.shards else ""
        return (
            f"{self.source} -> {self.function}{shards}: {self.records_read} read, {self.records_done} done, "
            f"{self.invocations} invocations{failed}{partial}{again}{bisect}{gone}"
        )


@dataclass
class Activity:
    """Shared by a runner's sources: an epoch that moves on whenever anything happens, so that
    "quiet" means every source polled empty twice since the last thing happened anywhere."""

    epoch: int = 0

    def touch(self) -> None:
        self.epoch += 1


@dataclass
class Quietness:
    """One poller's empty polls since the activity epoch it last saw; ``outstanding`` counts the
    records it read that are neither done nor given up on."""

    activity: Activity
    seen: int = -1
    empty_polls: int = 0
    outstanding: int = 0

    def empty_poll(self) -> None:
        if self.seen != self.activity.epoch:
            self.seen, self.empty_polls = self.activity.epoch, 0
        self.empty_polls += 1

    def backoff(self, base_s: float, cap_s: float = 0.25) -> float:
        """How long to wait after an empty poll: ``base_s``, doubling with each empty poll since
        anything last happened, up to ``cap_s`` (an idle poller does not burn the CPU the
        emulator and the functions need; any activity brings it back to ``base_s``)."""
        return min(max(base_s, cap_s), base_s * (1 << min(max(0, self.empty_polls - 1), 16)))

    @property
    def quiet(self) -> bool:
        return self.outstanding == 0 and self.seen == self.activity.epoch and self.empty_polls >= 2
