"""Fault queue and request log shared by the server's handler threads."""

import collections
import threading

MAX_RECORDED_REQUESTS = 10_000


class State:
    def __init__(self):
        self._lock = threading.Lock()
        self._faults = collections.deque()
        self._requests = collections.deque(maxlen=MAX_RECORDED_REQUESTS)

    def add_faults(self, faults) -> int:
        """Append faults to the FIFO queue; return the queue length."""
        with self._lock:
            self._faults.extend(faults)
            return len(self._faults)

    def pop_fault(self):
        with self._lock:
            return self._faults.popleft() if self._faults else None

    def faults(self) -> list:
        with self._lock:
            return list(self._faults)

    def clear_faults(self) -> None:
        with self._lock:
            self._faults.clear()

    def record(self, entry: dict) -> dict:
        """Log a runtime request; the handler may update the returned dict later."""
        with self._lock:
            self._requests.append(entry)
        return entry

    def requests(self) -> list[dict]:
        with self._lock:
            return [dict(entry) for entry in self._requests]

    def clear_requests(self) -> None:
        with self._lock:
            self._requests.clear()
