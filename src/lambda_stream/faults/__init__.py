"""Faults: errors that carry a uow become fault events instead of failing the batch."""

from .events import FAULT_EVENT_TYPE, MAX_FAULT_SIZE, FaultUow, to_fault_event
from .handler import faults, flush_faults, make_fault
from .wrap import attach_uow, faulty, faulty_async, reject_with_fault, throw_fault

__all__ = [
    "FAULT_EVENT_TYPE",
    "MAX_FAULT_SIZE",
    "FaultUow",
    "attach_uow",
    "faults",
    "faulty",
    "faulty_async",
    "flush_faults",
    "make_fault",
    "reject_with_fault",
    "throw_fault",
    "to_fault_event",
]
