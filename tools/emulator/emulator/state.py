"""Fault queue, request log, prompt cache and async invocations shared by the server's
handler threads."""

import collections
import threading
import time

from .async_invoke import AsyncInvokes

MAX_RECORDED_REQUESTS = 10_000
MAX_CACHED_PREFIXES = 4096


class PromptCache:
    """The prompt prefixes seen so far (as hashes), least recently used dropped first."""

    def __init__(self, capacity: int = MAX_CACHED_PREFIXES):
        self._lock = threading.Lock()
        self._keys = collections.OrderedDict()
        self._capacity = capacity

    def seen(self, key: str) -> bool:
        """True if ``key`` was seen before; either way it is remembered now."""
        with self._lock:
            hit = key in self._keys
            self._keys[key] = None
            self._keys.move_to_end(key)
            while len(self._keys) > self._capacity:
                self._keys.popitem(last=False)
            return hit

    def __len__(self) -> int:
        with self._lock:
            return len(self._keys)

    def clear(self) -> None:
        with self._lock:
            self._keys.clear()


class State:
    def __init__(self):
        self._lock = threading.Lock()
        self._faults = collections.deque()
        self._requests = collections.deque(maxlen=MAX_RECORDED_REQUESTS)
        self.prompt_cache = PromptCache()
        self.async_invokes = AsyncInvokes()

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
        entry.setdefault("received_at", time.time())
        with self._lock:
            self._requests.append(entry)
        return entry

    def requests(self) -> list[dict]:
        with self._lock:
            return [dict(entry) for entry in self._requests]

    def clear_requests(self) -> None:
        with self._lock:
            self._requests.clear()
