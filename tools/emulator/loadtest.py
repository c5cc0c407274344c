#!/usr/bin/env python3
"""Load check for the asyncio emulator: many concurrent ConverseStream calls at once.

    loadtest.py [--streams 1000] [--protocol h1|h2c|h2|all] [--words 55] [--token-delay-ms 30]
                [--url URL --pid PID [--ca-file PEM]]

Without --url it starts its own emulator (``--mode asyncio``, with ``--tls`` for h2) through
ctl.py and stops it afterwards. h1: one HTTP/1.1 connection per stream; h2c: every stream on
one HTTP/2 connection with prior knowledge; h2: the same over TLS, HTTP/2 chosen by ALPN.
Each call says ``[[fault:token_delay:MS]]`` and enough words for about ``words + 6`` events;
a call counts as complete when its stream ends with the ``metadata`` event and has every
frame. Prints the wall time, the spread of the calls' durations and the CPU seconds the
server and this client used. Needs the ``h2`` package (Tests/python/requirements.txt).
"""

import argparse
import asyncio
import json
import os
import ssl
import sys
import tempfile
import time
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE), str(HERE.parent / "server_common")]

BEARER = "emulator-bearer-token"
MODEL = "anthropic.claude-3-haiku-20240307-v1:0"
PATH = f"/model/{urllib.parse.quote(MODEL, safe='')}/converse-stream"


def request_body(words: int, token_delay_ms: int, index: int = 0) -> bytes:
    text = " ".join(f"w{index}x{n}" for n in range(words))
    if token_delay_ms:
        text = f"[[fault:token_delay:{token_delay_ms}]] {text}"
    return json.dumps({"messages": [{"role": "user", "content": [{"text": text}]}]}).encode()


@dataclass
class Call:
    """One request: by default a ConverseStream with the bearer token."""

    body: bytes = b""
    method: str = "POST"
    path: str = PATH
    headers: dict = field(default_factory=lambda: {"authorization": f"Bearer {BEARER}",
                                                   "content-type": "application/json"})


@dataclass
class Result:
    """One call's answer: status, headers (lowercase names), body, and, for an event
    stream, its frames and when each arrived."""

    status: int | None = None
    headers: dict = field(default_factory=dict)
    body: bytearray = field(default_factory=bytearray)
    frames: list = field(default_factory=list)
    arrivals: list = field(default_factory=list)  # monotonic time of each frame
    started: float = 0.0
    ended: float | None = None
    error: str | None = None
    _parsed: int = 0

    def feed(self, data: bytes) -> None:
        self.body += data
        if self.headers.get("content-type") != "application/vnd.amazon.eventstream":
            return
        now = time.monotonic()
        while len(self.body) - self._parsed >= 4:
            size = int.from_bytes(self.body[self._parsed:self._parsed + 4], "big")
            if size < 16 or len(self.body) - self._parsed < size:
                break
            self.frames.append(bytes(self.body[self._parsed:self._parsed + size]))
            self.arrivals.append(now)
            self._parsed += size

    @property
    def complete(self) -> bool:
        """A whole event stream, ending with ConverseStream's metadata event."""
        return (self.status == 200 and self.error is None and self._parsed == len(self.body)
                and bool(self.frames) and b"metadata" in self.frames[-1][:80])

    @property
    def seconds(self) -> float:
        return (self.ended or time.monotonic()) - self.started


def _calls(calls):
    return [call if isinstance(call, Call) else Call(call) for call in calls]


def _split(url: str):
    parts = urllib.parse.urlsplit(url)
    return parts.scheme, parts.hostname, parts.port


def _client_context(ca_file, alpn) -> ssl.SSLContext:
    context = ssl.create_default_context(cafile=ca_file)
    context.set_alpn_protocols(alpn)
    return context


# -- HTTP/1.1: one connection per call ------------------------------------------------------

async def h1_call(url: str, call: Call, ca_file=None) -> Result:
    scheme, host, port = _split(url)
    result = Result(started=time.monotonic())
    context = _client_context(ca_file, ["http/1.1"]) if scheme == "https" else None
    try:
        reader, writer = await asyncio.open_connection(host, port, ssl=context)
    except OSError as exc:
        result.error = f"connect: {exc}"
        return result
    try:
        head = [f"{call.method} {call.path} HTTP/1.1", f"Host: {host}:{port}",
                *(f"{name}: {value}" for name, value in call.headers.items()),
                f"Content-Length: {len(call.body)}"]
        writer.write(("\r\n".join(head) + "\r\n\r\n").encode() + call.body)
        await writer.drain()
        status_line = await reader.readline()
        result.status = int(status_line.split()[1])
        while (line := await reader.readline()) not in (b"\r\n", b""):
            name, _, value = line.decode("latin-1").partition(":")
            result.headers[name.strip().lower()] = value.strip()
        if "chunked" in result.headers.get("transfer-encoding", ""):
            while True:
                size = int((await reader.readline()).split(b";")[0], 16)
                data = await reader.readexactly(size + 2)
                if size == 0:
                    break
                result.feed(data[:-2])
        elif "content-length" in result.headers:
            result.feed(await reader.readexactly(int(result.headers["content-length"])))
        else:
            while data := await reader.read(65536):
                result.feed(data)
        result.ended = time.monotonic()
    except (OSError, ValueError, IndexError, asyncio.IncompleteReadError) as exc:
        result.error = f"{type(exc).__name__}: {exc}"
    finally:
        writer.close()
    return result


async def run_h1(url: str, calls, ca_file=None) -> list[Result]:
    """The calls at once, each on its own HTTP/1.1 connection."""
    return list(await asyncio.gather(*(h1_call(url, call, ca_file) for call in _calls(calls))))


# -- HTTP/2: every call a stream on one connection ------------------------------------------

async def run_h2(url: str, calls, ca_file=None, window: int = 2**24) -> list[Result]:
    """The calls as concurrent streams on one HTTP/2 connection: h2c with prior knowledge
    for an http URL, ALPN h2 for https. ``window``: this client's receive window per
    stream."""
    import h2.config
    import h2.connection
    import h2.events
    import h2.settings

    scheme, host, port = _split(url)
    context = _client_context(ca_file, ["h2"]) if scheme == "https" else None
    reader, writer = await asyncio.open_connection(host, port, ssl=context)
    if context is not None:
        alpn = writer.get_extra_info("ssl_object").selected_alpn_protocol()
        if alpn != "h2":
            writer.close()
            raise RuntimeError(f"ALPN chose {alpn!r}, not h2")
    conn = h2.connection.H2Connection(h2.config.H2Configuration(client_side=True,
                                                                 header_encoding="utf-8"))
    conn.local_settings = h2.settings.Settings(client=True, initial_values={
        h2.settings.SettingCodes.INITIAL_WINDOW_SIZE: window,
        h2.settings.SettingCodes.ENABLE_PUSH: 0})
    conn.initiate_connection()
    if window > 65535:
        conn.increment_flow_control_window(2**31 - 1 - conn.inbound_flow_control_window)
    writer.write(conn.data_to_send())
    results: dict[int, Result] = {}
    done = asyncio.get_running_loop().create_future()
    settled = False

    def handle(events):
        nonlocal settled
        for event in events:
            if isinstance(event, h2.events.RemoteSettingsChanged):
                settled = True
            result = results.get(getattr(event, "stream_id", None) or 0)
            if result is None:
                continue
            if isinstance(event, h2.events.ResponseReceived):
                result.headers = dict(event.headers)
                result.status = int(result.headers.pop(":status"))
            elif isinstance(event, h2.events.DataReceived):
                result.feed(event.data)
                conn.acknowledge_received_data(event.flow_controlled_length, event.stream_id)
            elif isinstance(event, h2.events.StreamEnded):
                result.ended = time.monotonic()
            elif isinstance(event, h2.events.StreamReset):
                result.error, result.ended = f"reset ({event.error_code!r})", time.monotonic()
        if results and all(r.ended for r in results.values()) and not done.done():
            done.set_result(None)

    async def read_loop():
        while not done.done():
            data = await reader.read(256 * 1024)
            if not data:
                for result in results.values():
                    if result.ended is None:
                        result.error, result.ended = "connection closed", time.monotonic()
                if not done.done():
                    done.set_result(None)
                return
            handle(conn.receive_data(data))
            outgoing = conn.data_to_send()
            if outgoing:
                writer.write(outgoing)

    # Wait for the server's SETTINGS (its stream limit), as curl does.
    while not settled:
        data = await reader.read(65536)
        if not data:
            raise ConnectionError("server closed the connection before its SETTINGS")
        handle(conn.receive_data(data))
        writer.write(conn.data_to_send())
    for call in _calls(calls):
        sid = conn.get_next_available_stream_id()
        results[sid] = Result(started=time.monotonic())
        conn.send_headers(sid, [(":method", call.method), (":scheme", scheme),
                                (":path", call.path), (":authority", f"{host}:{port}"),
                                *((name.lower(), value) for name, value in call.headers.items()),
                                ("content-length", str(len(call.body)))],
                          end_stream=not call.body)
        body = call.body
        while body:  # in frames the server's limits allow
            size = min(len(body), conn.max_outbound_frame_size, conn.local_flow_control_window(sid))
            if size <= 0:
                writer.write(conn.data_to_send())
                handle(conn.receive_data(await reader.read(65536)))  # a WINDOW_UPDATE
                continue
            conn.send_data(sid, body[:size], end_stream=size == len(body))
            body = body[size:]
        writer.write(conn.data_to_send())
    await writer.drain()
    reading = asyncio.create_task(read_loop())
    await done
    reading.cancel()
    conn.close_connection()
    writer.write(conn.data_to_send())
    writer.close()
    return [results[sid] for sid in sorted(results)]


# -- the run --------------------------------------------------------------------------------

def cpu_seconds(pid: int) -> tuple[float, float]:
    """A process's (user, system) CPU seconds so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    tick = os.sysconf("SC_CLK_TCK")
    return int(fields[11]) / tick, int(fields[12]) / tick


def _percentile(values, fraction):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def run(protocol: str, url: str, pid: int | None, ca_file, streams: int, words: int,
        token_delay_ms: int) -> bool:
    bodies = [request_body(words, token_delay_ms, index) for index in range(streams)]
    runner = run_h1 if protocol == "h1" else run_h2
    server_before = cpu_seconds(pid) if pid else None
    client_before = time.process_time()
    started = time.monotonic()
    results = asyncio.run(runner(url, bodies, ca_file))
    wall = time.monotonic() - started
    client_cpu = time.process_time() - client_before
    server_cpu = [after - before for after, before in zip(cpu_seconds(pid), server_before)] \
        if pid else None
    complete = [r for r in results if r.complete]
    frames = sum(len(r.frames) for r in results)
    durations = [r.seconds for r in complete] or [0.0]
    gaps = [b - a for r in complete for a, b in zip(r.arrivals, r.arrivals[1:])] or [0.0]
    ideal = (words + 5) * token_delay_ms / 1000
    print(f"{protocol:>4}: {len(complete)}/{streams} streams complete, {frames} frames, "
          f"wall {wall:.2f} s (one stream alone ~{ideal:.2f} s); per stream p50 "
          f"{_percentile(durations, 0.5):.2f} s, p99 {_percentile(durations, 0.99):.2f} s; "
          f"frame gap p50 {_percentile(gaps, 0.5) * 1000:.0f} ms, p99 "
          f"{_percentile(gaps, 0.99) * 1000:.0f} ms; server CPU "
          + (f"{sum(server_cpu):.2f} s (user {server_cpu[0]:.2f}, system {server_cpu[1]:.2f})"
             if server_cpu is not None else "?")
          + f", client CPU {client_cpu:.2f} s", flush=True)
    failures = [r.error or f"status {r.status}" for r in results if not r.complete]
    if failures:
        print(f"      failures (first 5): {failures[:5]}", flush=True)
    return len(complete) == streams


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--streams", type=int, default=1000)
    parser.add_argument("--protocol", choices=("h1", "h2c", "h2", "all"), default="all")
    parser.add_argument("--words", type=int, default=55, help="words per prompt (events ~ +6)")
    parser.add_argument("--token-delay-ms", type=int, default=30)
    parser.add_argument("--url", help="a running emulator (else one is started)")
    parser.add_argument("--pid", type=int, help="its pid, for the CPU figure")
    parser.add_argument("--ca-file", help="the CA of an https --url")
    args = parser.parse_args(argv)
    protocols = ["h1", "h2c", "h2"] if args.protocol == "all" else [args.protocol]
    ok = True
    if args.url:
        for protocol in protocols:
            ok &= run(protocol, args.url, args.pid, args.ca_file, args.streams, args.words,
                      args.token_delay_ms)
        return 0 if ok else 1
    from emulator import ctl

    with tempfile.TemporaryDirectory() as state:
        plain = ctl.start(Path(state) / "plain", ["--mode", "asyncio"])
        secure = ctl.start(Path(state) / "tls", ["--mode", "asyncio", "--tls"]) \
            if "h2" in protocols else None
        try:
            for protocol in protocols:
                emulator = secure if protocol == "h2" else plain
                ok &= run(protocol, emulator.url, emulator.pid, emulator.ca_file and
                          str(emulator.ca_file), args.streams, args.words, args.token_delay_ms)
        finally:
            ctl.stop(Path(state) / "plain")
            if secure:
                ctl.stop(Path(state) / "tls")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
