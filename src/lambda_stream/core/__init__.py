"""The stream core: ``Stream`` and the sync bridge."""

from .gate import Gate
from .runner import LoopBridge, sync_handler
from .stream import Stream

__all__ = ["Gate", "LoopBridge", "Stream", "sync_handler"]
