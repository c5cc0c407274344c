"""Runs every benchmark client against bench_server and prints the tables (bench/run.sh runs
this once it has built everything).

usage: driver.py --bin DIR --library PATH --out DIR [--smoke] [--runs N] [--seconds S]
                 [--calls N] [--cold-runs N]

It writes the canned replies and request data into OUT/data, starts bench_server (BIN) on
them, and runs each client over each scenario it has: bench_client (the C API), client.py
(the Python package, boto3, LangChain) and bench_floor (plain libcurl). Each timed run is a
process of its own, so that each peak RSS is its own, and the runs of a figure are spread
over the whole benchmark (--smoke: one process per client, tiny counts). Then the cold starts (bench_load_time for C; a fresh interpreter per run for
Python), the 100,000-call RSS run, and the event-stream decoder against zlib's crc32.
It prints Markdown tables on stdout, progress on stderr, and exits 1 if any client failed
or got a wrong reply; it asserts nothing about speed.
"""

import argparse
import base64
import json
import os
import random
import re
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import NamedTuple

ROOT = Path(__file__).resolve().parent.parent

# ---- What the canned replies hold (bench/bench.h has the same for the C programs) --------
MODEL = "anthropic.claude-3-haiku-20240307-v1"  # small replies; 1,000-event streams
LARGE_REPLY_MODEL = "anthropic.claude-3-sonnet-20240229-v1"  # ConverseStream: 1 MiB in 16 events
REPLY_TEXT = "Hello! How can I help you today?"
DELTA = " ipsum"  # every text delta of the 1,000-event streams
LARGE_DELTA = ("lorem ipsum dolor sit amet " * 2500)[:64 * 1024]
STREAM_EVENTS = 1000  # a stream scenario's unit is one of these events
EXPECTED_TEXT = {
    "converse": REPLY_TEXT, "invoke": REPLY_TEXT, "chat": REPLY_TEXT, "image": REPLY_TEXT,
    "converse-stream": DELTA * 996,  # + messageStart, contentBlockStop, messageStop, metadata
    "invoke-stream": DELTA * 995,    # + message_start, content_block_start/stop, message_delta/stop
    "chat-stream": DELTA * 995,
    "converse-stream-1mib": LARGE_DELTA * 16,
}
ACCESS_KEY_ID, SECRET_ACCESS_KEY = "AKIDBENCHMARK", "bench-secret"

# ---- The table: one row per scenario, one column per client -------------------------------
COLUMNS = {"c": "C API", "python": "Python package", "boto3": "boto3", "langchain": "LangChain",
           "floor": "libcurl floor"}


class Row(NamedTuple):
    label: str
    unit: str  # call, event or process
    cells: dict  # column -> the client's scenario; a client without the call has no cell


# boto3 and the floor fill the chat rows with the raw call that carries the same reply.
ROWS = [
    Row("Converse, small reply", "call",
        {"c": "converse", "python": "converse", "boto3": "converse", "langchain": "converse", "floor": "converse"}),
    Row("InvokeModel (Anthropic), small reply", "call",
        {"c": "invoke", "python": "invoke", "boto3": "invoke", "floor": "invoke"}),
    Row("chat (InvokeModel), small reply", "call",
        {"c": "chat", "python": "chat", "boto3": "invoke", "langchain": "chat", "floor": "invoke"}),
    Row("ConverseStream, 1,000 events", "event",
        {"c": "converse-stream", "python": "converse-stream", "boto3": "converse-stream",
         "langchain": "converse-stream", "floor": "converse-stream"}),
    Row("InvokeModelWithResponseStream, 1,000 events", "event",
        {"c": "invoke-stream", "python": "invoke-stream", "boto3": "invoke-stream", "floor": "invoke-stream"}),
    Row("chat stream (callback), 1,000 events", "event",
        {"c": "chat-stream", "boto3": "invoke-stream", "langchain": "chat-stream", "floor": "invoke-stream"}),
    Row("chat pull stream, 1,000 events", "event",
        {"c": "pull-stream", "python": "chat-stream", "boto3": "invoke-stream", "floor": "invoke-stream"}),
    Row("ConverseStream, 1 MiB in 16 events", "call", {column: "converse-stream-1mib" for column in COLUMNS}),
    Row("Converse with a 4 MiB image", "call", {column: "image" for column in COLUMNS}),
    Row("cold start: load, client, first Converse", "process",
        {"c": "cold", "python": "cold", "boto3": "cold", "langchain": "cold"}),
]


# ---- The canned data -------------------------------------------------------------------------

def write_data(directory: Path) -> None:
    """Writes the replies file bench_server reads, the 4 MiB image and its Converse request,
    and the 64 KiB frames of the decoder benchmark. Frames are encoded by the emulator's
    encoder, which the tests check against botocore, with Bedrock's `p` padding."""
    # The emulator, and the signature code it shares with the credential servers.
    sys.path[:0] = [str(ROOT / "tools" / "emulator"), str(ROOT / "tools" / "server_common")]
    from emulator.handler import encode_event
    from emulator.operations import padding

    def http_head(headers: dict) -> bytes:
        headers = {"Date": "Thu, 03 Dec 2026 12:00:00 GMT", "Connection": "keep-alive",
                   "x-amzn-RequestId": "5d0f7a43-bench-4a4f-9c1e-0d3a1b2c3d4e", **headers}
        return ("HTTP/1.1 200 OK\r\n" + "".join(f"{k}: {v}\r\n" for k, v in headers.items()) + "\r\n").encode()

    def json_reply(body: dict, headers: dict | None = None) -> list[bytes]:
        data = json.dumps(body, separators=(",", ":")).encode()
        return [http_head({"Content-Type": "application/json", "Content-Length": len(data), **(headers or {})}) + data]

    def stream_reply(events: list, headers: dict | None = None) -> list[bytes]:
        """The head, then one HTTP chunk per event-stream frame, each its own write."""
        frames = [encode_event(kind, {**payload, "p": padding(i)}) for i, (kind, payload) in enumerate(events)]
        writes = [http_head({"Content-Type": "application/vnd.amazon.eventstream",
                             "Transfer-Encoding": "chunked", **(headers or {})})]
        writes += [b"%x\r\n%s\r\n" % (len(frame), frame) for frame in frames]
        writes[-1] += b"0\r\n\r\n"
        return writes

    def converse_events(deltas: list[str]) -> list:
        return [("messageStart", {"role": "assistant"}),
                *(("contentBlockDelta", {"contentBlockIndex": 0, "delta": {"text": d}}) for d in deltas),
                ("contentBlockStop", {"contentBlockIndex": 0}),
                ("messageStop", {"stopReason": "end_turn"}),
                ("metadata", {"usage": {"inputTokens": 9, "outputTokens": len(deltas), "totalTokens": 9 + len(deltas)},
                              "metrics": {"latencyMs": 1200}})]

    def anthropic_chunks(deltas: list[str]) -> list:
        chunks = [{"type": "message_start", "message": {
                      "id": "msg_bdrk_bench", "type": "message", "role": "assistant", "model": "claude-3-haiku-20240307",
                      "content": [], "stop_reason": None, "stop_sequence": None,
                      "usage": {"input_tokens": 9, "output_tokens": 1}}},
                  {"type": "content_block_start", "index": 0, "content_block": {"type": "text", "text": ""}},
                  *({"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": d}}
                    for d in deltas),
                  {"type": "content_block_stop", "index": 0},
                  {"type": "message_delta", "delta": {"stop_reason": "end_turn", "stop_sequence": None},
                   "usage": {"output_tokens": len(deltas)}},
                  {"type": "message_stop", "amazon-bedrock-invocationMetrics": {
                      "inputTokenCount": 9, "outputTokenCount": len(deltas), "invocationLatency": 1200,
                      "firstByteLatency": 150}}]
        return [("chunk", {"bytes": base64.b64encode(json.dumps(chunk, separators=(",", ":")).encode()).decode()})
                for chunk in chunks]

    replies = {
        f"{MODEL}/converse": json_reply({
            "output": {"message": {"role": "assistant", "content": [{"text": REPLY_TEXT}]}},
            "stopReason": "end_turn", "usage": {"inputTokens": 9, "outputTokens": 10, "totalTokens": 19},
            "metrics": {"latencyMs": 210}}),
        f"{MODEL}/invoke": json_reply({
            "id": "msg_bdrk_bench", "type": "message", "role": "assistant", "model": "claude-3-haiku-20240307",
            "content": [{"type": "text", "text": REPLY_TEXT}], "stop_reason": "end_turn", "stop_sequence": None,
            "usage": {"input_tokens": 9, "output_tokens": 10}},
            {"X-Amzn-Bedrock-Invocation-Latency": 210, "X-Amzn-Bedrock-Output-Token-Count": 10,
             "X-Amzn-Bedrock-Input-Token-Count": 9}),
        f"{MODEL}/converse-stream": stream_reply(converse_events([DELTA] * 996)),
        f"{MODEL}/invoke-with-response-stream": stream_reply(anthropic_chunks([DELTA] * 995),
                                                             {"X-Amzn-Bedrock-Content-Type": "application/json"}),
        f"{LARGE_REPLY_MODEL}/converse-stream": stream_reply(converse_events([LARGE_DELTA] * 16)),
    }
    directory.mkdir(parents=True, exist_ok=True)
    with open(directory / "replies", "wb") as file:
        for key, writes in replies.items():
            file.write(f"{key} {len(writes)}\n".encode())
            for write in writes:
                file.write(b"%d\n%s" % (len(write), write))

    # 4 MiB of noise, as incompressible as a real photo, behind a PNG signature.
    image = b"\x89PNG\r\n\x1a\n" + random.Random(9).randbytes(4 * 1024 * 1024 - 8)
    (directory / "image.png").write_bytes(image)
    request = {"messages": [{"role": "user", "content": [
        {"text": "Describe this image."},
        {"image": {"format": "png", "source": {"bytes": base64.b64encode(image).decode()}}}]}]}
    (directory / "image-request.json").write_text(json.dumps(request))

    # 256 frames of exactly 64 KiB (16 MiB) for the decoder benchmark.
    text = LARGE_DELTA
    frame = encode_event("contentBlockDelta", {"contentBlockIndex": 0, "delta": {"text": text}, "p": "abcd"})
    text = text[:len(text) - (len(frame) - 64 * 1024)]
    frame = encode_event("contentBlockDelta", {"contentBlockIndex": 0, "delta": {"text": text}, "p": "abcd"})
    assert len(frame) == 64 * 1024
    (directory / "frames-64k").write_bytes(frame * 256)


# ---- Running the clients ---------------------------------------------------------------------

class BenchServer:
    """bench_server on an ephemeral port, for the length of a `with` block."""

    def __init__(self, binary: Path, replies: Path, port_file: Path):
        self.command = [str(binary), str(replies), str(port_file)]
        self.port_file = port_file

    def __enter__(self) -> str:
        self.port_file.unlink(missing_ok=True)
        self.process = subprocess.Popen(self.command)
        deadline = time.monotonic() + 10
        while not self.port_file.exists():
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise SystemExit("bench_server did not start")
            time.sleep(0.01)
        return f"http://127.0.0.1:{self.port_file.read_text().strip()}"

    def __exit__(self, *exc_info) -> None:
        self.process.terminate()
        self.process.wait()


class Bench:
    """Runs the benchmark processes and keeps their figures."""

    def __init__(self, args, url: str):
        self.args, self.url, self.data = args, url, args.out / "data"
        # Every process gets the same environment, without the machine's AWS settings, so
        # that every client (and every machine) does the same work.
        self.environment = {**{k: v for k, v in os.environ.items() if not k.startswith("AWS_")},
                            "AWS_CONFIG_FILE": "/nonexistent", "AWS_SHARED_CREDENTIALS_FILE": "/nonexistent",
                            "AWS_EC2_METADATA_DISABLED": "true", "BEDROCK_LIBRARY": str(args.library)}
        self.cells: dict[tuple[str, str], dict] = {}  # (column, scenario) -> {"cpu", "wall", "rss"}
        self.many_calls: dict | None = None  # bench_client's `many` line
        self.decoder: dict | None = None     # bench-eventstream's line
        self.load_table = ""                 # bench_load_time's table
        self.load_medians: dict[str, float] = {}  # its figures, in µs
        self.failures: list[str] = []

    def run(self, what: str, command: list[str]) -> list[dict]:
        """Runs one benchmark process and returns its JSON lines; records a failure."""
        print(f"==> {what}", file=sys.stderr, flush=True)
        done = subprocess.run(command, capture_output=True, text=True, env=self.environment)
        if done.returncode != 0:
            self.failures.append(f"{what}: exit {done.returncode}\n{done.stderr.strip()[-2000:]}")
        return [json.loads(line) for line in done.stdout.splitlines() if line.startswith("{")]

    def client_command(self, column: str) -> list[str]:
        if column in ("c", "floor"):
            program = "bench_client" if column == "c" else "bench_floor"
            return [str(self.args.bin / program), self.url, str(self.data)]
        return [sys.executable, str(ROOT / "bench" / "client.py"), column, self.url, str(self.data)]

    def measure_clients(self) -> None:
        """Makes `runs` passes over every client and scenario, one timed run per process, and
        keeps the medians. Spreading each cell's runs over the whole benchmark, rather than
        making them back to back, lets load that comes and goes on the machine move every cell
        alike, so the ratios hold up on a shared machine."""
        samples: dict[tuple[str, str], list[dict]] = {}
        for run in range(self.args.runs):
            for column in COLUMNS:
                scenarios = sorted({row.cells[column] for row in ROWS if column in row.cells} - {"cold"})
                groups = [scenarios] if self.args.smoke else [[scenario] for scenario in scenarios]
                for group in groups:
                    command = self.client_command(column) + ["--runs", "1", "--seconds", str(self.args.seconds)]
                    for result in self.run(f"run {run + 1}/{self.args.runs}, {column}: {' '.join(group)}",
                                           command + group):
                        samples.setdefault((column, result["scenario"]), []).append(result)
        for cell, results in samples.items():
            self.cells[cell] = {"cpu": statistics.median(r["cpu_us"][0] for r in results),
                                "wall": statistics.median(r["wall_us"][0] for r in results),
                                "rss": statistics.median(r["rss_kib"] for r in results)}

    def measure_cold_starts(self) -> None:
        """Each Python client in fresh interpreters; the C API with bench_load_time."""
        for column in ("python", "boto3", "langchain"):
            samples = [result for _ in range(self.args.cold_runs)
                       for result in self.run(f"{column}: cold", self.client_command(column) + ["cold"])]
            if samples:
                self.cells[(column, "cold")] = {"cpu": statistics.median(s["cpu_us"][0] for s in samples),
                                                "wall": statistics.median(s["wall_us"][0] for s in samples)}
        print("==> c: cold (bench_load_time)", file=sys.stderr, flush=True)
        done = subprocess.run([str(self.args.bin / "bench_load_time"), "--runs", str(self.args.cold_runs * 10),
                               "--endpoint", self.url, str(self.args.library)],
                              capture_output=True, text=True, env=self.environment)
        if done.returncode != 0:
            self.failures.append(f"bench_load_time: exit {done.returncode}\n{done.stderr.strip()}")
        self.load_table = done.stdout.strip()
        # Its rows: NAME  MEDIAN  MIN  MAX, in ms.
        self.load_medians = {name: float(median) * 1000 for name, median in
                             re.findall(r"^(\S.*?)\s+([\d.]+)\s+[\d.]+\s+[\d.]+$", self.load_table, re.M)}
        if "dlopen to first reply" in self.load_medians:
            self.cells[("c", "cold")] = {"cpu": self.load_medians["dlopen to first reply, CPU"],
                                         "wall": self.load_medians["dlopen to first reply"]}

    def measure_many_calls(self) -> None:
        for result in self.run(f"c: {self.args.calls} calls",
                               self.client_command("c") + ["--calls", str(self.args.calls), "many"]):
            self.many_calls = result

    def measure_decoder(self) -> None:
        for result in self.run("EventStreamDecoder and crc32",
                               [str(self.args.bin / "bench-eventstream"), str(self.data / "frames-64k"),
                                "--runs", str(self.args.runs), "--seconds", str(self.args.seconds)]):
            self.decoder = result


# ---- The tables ------------------------------------------------------------------------------

def duration(us: float) -> str:
    """Three significant digits or more: 0.85 µs, 12.3 µs, 162 µs, 1.23 ms, 1,512 ms."""
    value, unit = (us / 1000, "ms") if us >= 999.5 else (us, "µs")
    return f"{value:,.{0 if value >= 100 else 1 if value >= 10 else 2}f} {unit}"


def times(ratio: float) -> str:
    return f"{ratio:.0f}×" if ratio >= 10 else f"{ratio:.2g}×"


def print_tables(bench: Bench) -> None:
    heading = "| | " + " | ".join(COLUMNS.values()) + " |\n|---|" + "---|" * len(COLUMNS)

    def table(cell) -> None:
        print(heading)
        for row in ROWS:
            boto3 = bench.cells.get(("boto3", row.cells.get("boto3")))
            cells = [cell(bench.cells.get((column, row.cells[column])), boto3) if column in row.cells else "—"
                     for column in COLUMNS]
            print(f"| {row.label} (per {row.unit}) | " + " | ".join(cells) + " |")

    def cpu_and_ratio(result, boto3) -> str:
        if not result:
            return "failed"
        return duration(result["cpu"]) + (f" ({times(result['cpu'] / boto3['cpu'])})" if boto3 else "")

    def wall_and_rss(result, _) -> str:
        if not result:
            return "failed"
        return duration(result["wall"]) + (f", {result['rss'] / 1024:.0f} MiB" if "rss" in result else "")

    print("CPU per call, per event or per process (cold start): the client process's own user + system\n"
          "time, median of the runs; in brackets, the ratio to boto3's figure in the same row.\n")
    table(cpu_and_ratio)
    print("\nWall time per call, event or process, and the process's peak RSS.\n")
    table(wall_and_rss)

    many = bench.many_calls
    if many:
        growth = (many["rss_end_kib"] / many["rss_after_1000_kib"] - 1) * 100
        print(f"\n{many['calls']:,} bedrock_converse calls in a row on one client: "
              f"{duration(many['cpu_us'][0])} CPU per call; RSS {many['rss_after_1000_kib'] / 1024:.1f} MiB "
              f"after the first 1,000, {many['rss_end_kib'] / 1024:.1f} MiB at the end ({growth:+.1f}%).")
    decoder = bench.decoder
    if decoder:
        print(f"\nEventStreamDecoder over 64 KiB frames, CRCs checked: {decoder['decoder_gbps']:.2f} GB/s; "
              f"zlib crc32 over the same bytes: {decoder['crc32_gbps']:.2f} GB/s "
              f"(the decoder takes {decoder['crc32_gbps'] / decoder['decoder_gbps']:.2f}× crc32's time).")
    print("\nCold start of the C API (bench_load_time, fresh processes):\n\n```\n" + bench.load_table + "\n```")
    print_targets(bench)


def print_targets(bench: Bench) -> None:
    """The issue's targets, each with today's figure and whether it is met."""
    def cpu(column, scenario):
        return bench.cells.get((column, scenario), {}).get("cpu")

    lines = []

    def target(description, value, met):
        lines.append(f"| {description} | {value} | {'met' if met else 'not met'} |")

    for scenario, name in (("converse", "Converse"), ("invoke", "InvokeModel")):
        if cpu("c", scenario) and cpu("floor", scenario):
            ratio = cpu("c", scenario) / cpu("floor", scenario)
            target(f"small call ({name}): C API CPU ≤ 1.15× the libcurl SigV4 floor", times(ratio), ratio <= 1.15)
    if cpu("c", "chat") and cpu("c", "converse") and cpu("c", "invoke"):
        extra = cpu("c", "chat") - cpu("c", "converse")
        target("bedrock_chat ≤ 15 µs CPU over raw Converse",
               f"{extra:+.0f} µs (over the InvokeModel it makes: {cpu('c', 'chat') - cpu('c', 'invoke'):+.0f} µs)",
               extra <= 15)
    for scenario, name in (("converse-stream", "ConverseStream"), ("invoke-stream", "InvokeModelWithResponseStream")):
        if cpu("c", scenario) and cpu("floor", scenario) and cpu("boto3", scenario):
            to_floor, to_boto3 = cpu("c", scenario) / cpu("floor", scenario), cpu("c", scenario) / cpu("boto3", scenario)
            target(f"per event ({name}): C API ≤ 1.2× the byte-reading floor, and ≤ 1/10 of boto3",
                   f"{times(to_floor)} the floor, {times(to_boto3)} boto3", to_floor <= 1.2 and to_boto3 <= 0.1)
    if cpu("python", "converse") and cpu("boto3", "converse"):
        ratio = cpu("python", "converse") / cpu("boto3", "converse")
        target("Python package small call (Converse) ≤ 1/8 of boto3", times(ratio), ratio <= 1 / 8)
    if cpu("python", "converse-stream") and cpu("boto3", "converse-stream"):
        ratio = cpu("python", "converse-stream") / cpu("boto3", "converse-stream")
        target("Python package per event (ConverseStream) ≤ 1/5 of boto3", times(ratio), ratio <= 1 / 5)
    if bench.decoder:
        rate, crc32_rate = bench.decoder["decoder_gbps"], bench.decoder["crc32_gbps"]
        target("decoder ≥ 1.5 GB/s and ≤ 2× crc32's time", f"{rate:.2f} GB/s, {crc32_rate / rate:.2f}× crc32",
               rate >= 1.5 and crc32_rate / rate <= 2)
    if bench.many_calls:
        many = bench.many_calls
        growth = many["rss_end_kib"] / many["rss_after_1000_kib"] - 1
        target(f"{many['calls']:,} calls: RSS at the end within 5% of RSS after 1,000", f"{growth * 100:+.1f}%",
               abs(growth) <= 0.05)
    load = bench.load_medians.get("dlopen + first client")
    if load:
        curl = bench.load_medians.get("dlopen of libcurl alone")
        today = duration(load) + (f" (libcurl alone: {duration(curl)})" if curl else "")
        target("dlopen + first client < 10 ms (median)", today, load < 10_000)
    print("\n| Target (issue 9) | Today | |\n|---|---|---|\n" + "\n".join(lines))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--bin", type=Path, required=True, help="bench_server, bench_client, ... are here")
    parser.add_argument("--library", type=Path, required=True, help="the libbedrock to measure")
    parser.add_argument("--out", type=Path, required=True, help="where to write the canned data")
    parser.add_argument("--smoke", action="store_true", help="every scenario once, tiny counts")
    parser.add_argument("--runs", type=int, default=5, help="timed runs per figure (default 5)")
    parser.add_argument("--seconds", type=float, default=0.5, help="length of one run (default 0.5)")
    parser.add_argument("--calls", type=int, default=100_000, help="calls of the RSS run (default 100000)")
    parser.add_argument("--cold-runs", type=int, default=5, help="fresh processes per cold start (default 5)")
    args = parser.parse_args()
    if args.smoke:
        args.runs, args.seconds, args.calls, args.cold_runs = 1, 0, 2000, 1

    started = time.monotonic()
    write_data(args.out / "data")
    with BenchServer(args.bin / "bench_server", args.out / "data" / "replies", args.out / "port") as url:
        bench = Bench(args, url)
        bench.measure_clients()
        bench.measure_cold_starts()
        bench.measure_many_calls()
        bench.measure_decoder()
    print_tables(bench)
    print(f"\n(took {time.monotonic() - started:.0f} s)", file=sys.stderr)
    for failure in bench.failures:
        print(f"FAILED {failure}", file=sys.stderr)
    return 1 if bench.failures else 0


if __name__ == "__main__":
    sys.exit(main())
