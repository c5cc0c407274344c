"""Times the Python clients against bench_server, one scenario at a time.

usage: client.py CLIENT URL DATA_DIR [--runs N] [--seconds S] SCENARIO...

CLIENT is one of
  python     the bedrock_chat package (libbedrock through ctypes), from bindings/python,
             loading the library BEDROCK_LIBRARY names
  boto3      boto3's bedrock-runtime client
  langchain  langchain-aws: ChatBedrockConverse, and ChatBedrock (InvokeModel)
Scenarios are named as bench/client.c's, and each client has those it can make (SCENARIOS
below). Each prints one JSON line, measured as bench/bench.h's measure() does: a checked
warm-up call, a timed one to pick N, then RUNS runs of N calls timed with
time.process_time() (this process's CPU, all its threads) and time.perf_counter(), the last
reply of each run checked, then the peak RSS. `cold` instead times, once, from the client's
first import to its first Converse reply, in this fresh interpreter (the interpreter's own
start is not counted).
"""

import base64
import functools
import json
import sys
import time
from pathlib import Path

from driver import (ACCESS_KEY_ID, EXPECTED_TEXT, LARGE_REPLY_MODEL, MODEL, ROOT,
                    SECRET_ACCESS_KEY, STREAM_EVENTS)

CONVERSE_REQUEST = {"messages": [{"role": "user", "content": [{"text": "Hello"}]}],
                    "inferenceConfig": {"maxTokens": 512}}
INVOKE_BODY = {"anthropic_version": "bedrock-2023-05-31", "max_tokens": 512,
               "messages": [{"role": "user", "content": "Hello"}]}
CHAT_REQUEST = {"model": MODEL, "messages": [["human", "Hello"]], "max_tokens": 512}
IMAGE_PROMPT = "Describe this image."


def converse_text(reply):
    return reply["output"]["message"]["content"][0]["text"]


def converse_stream_text(events):
    return "".join(e["contentBlockDelta"]["delta"]["text"] for e in events if "contentBlockDelta" in e)


def anthropic_text(reply):
    return reply["content"][0]["text"]


def anthropic_stream_text(chunks):
    return "".join(c["delta"]["text"] for c in chunks if c["type"] == "content_block_delta")


def chat_stream_text(events):
    return "".join(e["text"] for e in events if e["type"] == "text")


def langchain_text(message_or_chunks):
    chunks = message_or_chunks if isinstance(message_or_chunks, list) else [message_or_chunks]
    return "".join(chunk.text for chunk in chunks)


class PythonPackage:
    def __init__(self, url, data):
        sys.path.insert(0, str(ROOT / "bindings" / "python"))
        from bedrock_chat import Client
        self.client = Client(region="us-east-1", endpoint_url=url,
                             credentials={"access_key_id": ACCESS_KEY_ID,
                                          "secret_access_key": SECRET_ACCESS_KEY})
        self.data = data

    @functools.cached_property
    def image_request(self):
        return (self.data / "image-request.json").read_text()  # JSON text goes through as is

    def converse(self):
        return self.client.converse(MODEL, CONVERSE_REQUEST)

    def invoke(self):
        return self.client.invoke_model(MODEL, INVOKE_BODY)

    def chat(self):
        return self.client.chat(CHAT_REQUEST)

    def converse_stream(self):
        return list(self.client.converse_stream(MODEL, CONVERSE_REQUEST))

    def invoke_stream(self):
        return list(self.client.invoke_model_stream(MODEL, INVOKE_BODY))

    def chat_stream(self):  # the pull stream: each event is a bedrock_stream_next
        return list(self.client.chat_stream(CHAT_REQUEST))

    def converse_stream_1mib(self):
        return list(self.client.converse_stream(LARGE_REPLY_MODEL, CONVERSE_REQUEST))

    def image(self):
        return self.client.converse(MODEL, self.image_request)


class Boto3:
    def __init__(self, url, data):
        import boto3
        self.client = boto3.client("bedrock-runtime", region_name="us-east-1", endpoint_url=url,
                                   aws_access_key_id=ACCESS_KEY_ID,
                                   aws_secret_access_key=SECRET_ACCESS_KEY)
        self.data = data

    @functools.cached_property
    def image_messages(self):
        image = (self.data / "image.png").read_bytes()
        return [{"role": "user", "content": [
            {"text": IMAGE_PROMPT}, {"image": {"format": "png", "source": {"bytes": image}}}]}]

    def converse(self):
        return self.client.converse(modelId=MODEL, **CONVERSE_REQUEST)

    def invoke(self):
        reply = self.client.invoke_model(modelId=MODEL, body=json.dumps(INVOKE_BODY))
        return json.loads(reply["body"].read())

    def converse_stream(self, model=MODEL):
        return list(self.client.converse_stream(modelId=model, **CONVERSE_REQUEST)["stream"])

    def invoke_stream(self):
        reply = self.client.invoke_model_with_response_stream(modelId=MODEL, body=json.dumps(INVOKE_BODY))
        return [json.loads(event["chunk"]["bytes"]) for event in reply["body"]]

    def converse_stream_1mib(self):
        return self.converse_stream(LARGE_REPLY_MODEL)

    def image(self):
        return self.client.converse(modelId=MODEL, messages=self.image_messages)


class LangChain:
    def __init__(self, url, data):
        from langchain_aws import ChatBedrock, ChatBedrockConverse
        self.settings = {"region_name": "us-east-1", "endpoint_url": url,
                         "aws_access_key_id": ACCESS_KEY_ID, "aws_secret_access_key": SECRET_ACCESS_KEY}
        self.chat_bedrock_class, self.chat_bedrock_converse_class = ChatBedrock, ChatBedrockConverse
        self.data = data

    @functools.cached_property
    def chat_bedrock_converse(self):
        return self.chat_bedrock_converse_class(model=MODEL, max_tokens=512, **self.settings)

    @functools.cached_property
    def chat_bedrock_converse_large(self):
        return self.chat_bedrock_converse_class(model=LARGE_REPLY_MODEL, max_tokens=512, **self.settings)

    @functools.cached_property
    def chat_bedrock(self):
        return self.chat_bedrock_class(model_id=MODEL, model_kwargs={"max_tokens": 512}, **self.settings)

    @functools.cached_property
    def image_messages(self):
        from langchain_core.messages import HumanMessage
        image = base64.b64encode((self.data / "image.png").read_bytes()).decode()
        return [HumanMessage(content=[{"type": "text", "text": IMAGE_PROMPT},
                                      {"type": "image", "source_type": "base64", "data": image,
                                       "mime_type": "image/png"}])]

    def converse(self):
        return self.chat_bedrock_converse.invoke("Hello")

    def chat(self):
        return self.chat_bedrock.invoke("Hello")

    def converse_stream(self):
        return list(self.chat_bedrock_converse.stream("Hello"))

    def chat_stream(self):
        return list(self.chat_bedrock.stream("Hello"))

    def converse_stream_1mib(self):
        return list(self.chat_bedrock_converse_large.stream("Hello"))

    def image(self):
        return self.chat_bedrock_converse.invoke(self.image_messages)


# client -> (its class, {scenario: the reply's text}); the text is checked against EXPECTED_TEXT.
SCENARIOS = {
    "python": (PythonPackage, {
        "converse": converse_text, "invoke": anthropic_text, "chat": lambda reply: reply["content"],
        "converse-stream": converse_stream_text, "invoke-stream": anthropic_stream_text,
        "chat-stream": chat_stream_text, "converse-stream-1mib": converse_stream_text, "image": converse_text}),
    "boto3": (Boto3, {
        "converse": converse_text, "invoke": anthropic_text, "converse-stream": converse_stream_text,
        "invoke-stream": anthropic_stream_text, "converse-stream-1mib": converse_stream_text,
        "image": converse_text}),
    "langchain": (LangChain, {
        "converse": langchain_text, "chat": langchain_text, "converse-stream": langchain_text,
        "chat-stream": langchain_text, "converse-stream-1mib": langchain_text, "image": langchain_text}),
}


def peak_rss_kib():
    """VmHWM: ru_maxrss without what it keeps from before exec (the forking parent's size)."""
    status = Path("/proc/self/status").read_text()
    return int(status.split("VmHWM:")[1].split()[0])


def check(client_name, scenario, text):
    if text != EXPECTED_TEXT[scenario]:
        sys.exit(f"{client_name} {scenario}: unexpected reply text {text[:200]!r}")


def measure(client_name, client, scenario, runs, seconds):
    call = getattr(client, scenario.replace("-", "_"))
    text_of = SCENARIOS[client_name][1][scenario]
    units = STREAM_EVENTS if scenario.endswith("-stream") else 1
    check(client_name, scenario, text_of(call()))
    start = time.perf_counter()
    call()
    calls = max(1, round(seconds / (time.perf_counter() - start)))
    cpu, wall = [], []
    for _ in range(runs):
        cpu0, wall0 = time.process_time(), time.perf_counter()
        for _ in range(calls):
            reply = call()
        cpu.append(round((time.process_time() - cpu0) * 1e6 / (calls * units), 3))
        wall.append(round((time.perf_counter() - wall0) * 1e6 / (calls * units), 3))
        check(client_name, scenario, text_of(reply))
    return {"calls": calls, "cpu_us": cpu, "wall_us": wall}


def cold_start(client_name, url, data):
    cpu0, wall0 = time.process_time(), time.perf_counter()
    client_class, text_of = SCENARIOS[client_name]
    reply = client_class(url, data).converse()
    cpu, wall = time.process_time() - cpu0, time.perf_counter() - wall0
    check(client_name, "converse", text_of["converse"](reply))
    return {"calls": 1, "cpu_us": [round(cpu * 1e6, 3)], "wall_us": [round(wall * 1e6, 3)]}


def main():
    args = sys.argv[1:]
    if len(args) < 4 or args[0] not in SCENARIOS:
        sys.exit(__doc__)
    client_name, url, data = args[0], args[1], Path(args[2])
    runs, seconds, scenarios = 5, 0.5, []
    rest = iter(args[3:])
    for arg in rest:
        if arg == "--runs":
            runs = int(next(rest))
        elif arg == "--seconds":
            seconds = float(next(rest))
        else:
            scenarios.append(arg)
    client = None
    for scenario in scenarios:
        if scenario == "cold":
            result = cold_start(client_name, url, data)
        elif scenario in SCENARIOS[client_name][1]:
            client = client or SCENARIOS[client_name][0](url, data)
            result = measure(client_name, client, scenario, runs, seconds)
        else:
            sys.exit(f"{client_name} has no scenario {scenario}")
        result = {"client": client_name, "scenario": scenario, **result,
                  "rss_kib": peak_rss_kib()}
        print(json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
