"""bedrock-chat against the emulator: output, flags, the request it sends, errors, exit codes.

    python3 cli/tests/test_cli.py --cli build/bedrock-chat --url-file build/emulator/url

ctest runs it with the emulator fixture (CMakeLists.txt, test cli_bedrock_chat). Standard
library only. Each case builds its environment from scratch, so the developer's AWS settings
never leak in; requests are found in the emulator's log by a marker unique to the case.
"""

import argparse
import base64
import json
import os
import re
import signal
import struct
import subprocess
import sys
import tempfile
import time
import unittest
import urllib.request
import uuid
import zlib

CLI = ""
URL = ""
MODEL = "anthropic.claude-3-haiku-20240307-v1:0"
USAGE_LINE = re.compile(
    r"^\[(?P<model>\S+) · (?P<api>\w+) · (?P<input>\d+) in / (?P<output>\d+) out tokens · stop: (?P<stop>\w+)\]$",
    re.M)


def tiny_png() -> bytes:
    """A valid 1x1 red PNG."""
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"\x00\xff\x00\x00")
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")


WEATHER_TOOL = {
    "name": "get_weather",
    "description": "Get the current weather in a city.",
    "input_schema": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]},
}


class BedrockChatTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.addCleanup(self.tmp.cleanup)
        self.marker = uuid.uuid4().hex[:12]

    # ---- helpers -------------------------------------------------------------------------

    def env(self, credentials=True, region=True, endpoint=True, **extra):
        env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "HOME": self.tmp.name,
            "LANG": "C.UTF-8",
            "AWS_CONFIG_FILE": "/nonexistent",
            "AWS_SHARED_CREDENTIALS_FILE": "/nonexistent",
        }
        if credentials:
            env.update(AWS_ACCESS_KEY_ID="AKIDEMULATOR", AWS_SECRET_ACCESS_KEY="emulator/secret/key")
        if region:
            env["AWS_REGION"] = "us-east-1"
        if endpoint:
            env["AWS_ENDPOINT_URL_BEDROCK_RUNTIME"] = URL
        env.update(extra)
        return env

    def run_cli(self, *args, input=None, env=None, timeout=60):
        return subprocess.run([CLI, *args], input=input, capture_output=True, text=True, timeout=timeout,
                              env=env if env is not None else self.env(),
                              stdin=None if input is not None else subprocess.DEVNULL)

    def assert_ok(self, result):
        self.assertEqual(result.returncode, 0, f"stdout: {result.stdout!r}\nstderr: {result.stderr!r}")

    def file(self, name, data):
        path = os.path.join(self.tmp.name, name)
        with open(path, "wb" if isinstance(data, bytes) else "w") as f:
            f.write(data)
        return path

    def logged_request(self):
        """The emulator's record of the request whose prompt carried this case's marker."""
        with urllib.request.urlopen(f"{URL}/_emulator/requests") as response:
            requests = json.load(response)["requests"]
        mine = [r for r in requests if self.marker in json.dumps(r.get("body"))]
        self.assertTrue(mine, "the emulator saw no request with this case's marker")
        return mine[-1]

    # ---- the reply -----------------------------------------------------------------------

    def test_streamed_reply_is_the_echo_and_usage_goes_to_stderr(self):
        result = self.run_cli("Hello", "there")
        self.assert_ok(result)
        self.assertEqual(result.stdout, "You said: Hello there\n")
        usage = USAGE_LINE.search(result.stderr)
        self.assertIsNotNone(usage, result.stderr)
        self.assertEqual(usage["model"], MODEL)
        self.assertEqual(usage["api"], "invoke")
        self.assertEqual(usage["stop"], "end_turn")
        self.assertEqual(int(usage["input"]), 2)
        self.assertEqual(int(usage["output"]), 4)

    def test_tokens_reach_stdout_as_they_arrive(self):
        process = subprocess.Popen([CLI, "[[fault:token_delay:400]] one two three four"], env=self.env(),
                                   stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        try:
            first = os.read(process.stdout.fileno(), 4096)
            still_running = process.poll() is None
            rest = process.stdout.read()
            process.wait(timeout=30)
        finally:
            if process.poll() is None:
                process.kill()
            process.stdout.close()
            process.stderr.close()
        self.assertEqual(process.returncode, 0)
        self.assertTrue(still_running, "the first token arrived only when the process ended")
        self.assertTrue(first.startswith(b"You "), first)
        self.assertEqual(first + rest, b"You said: [[fault:token_delay:400]] one two three four\n")

    def test_json_lines_parse_and_end_with_the_message(self):
        result = self.run_cli("--json", "Hello", "JSON")
        self.assert_ok(result)
        events = [json.loads(line) for line in result.stdout.splitlines()]
        self.assertGreaterEqual(len(events), 5)
        self.assertEqual(events[0]["type"], "start")
        self.assertEqual(events[-1]["type"], "message")
        text = "".join(e["text"] for e in events if e["type"] == "text")
        self.assertEqual(text, "You said: Hello JSON")
        self.assertEqual(events[-1]["message"]["content"], text)
        self.assertNotRegex(result.stderr, USAGE_LINE)

    def test_json_error_is_the_last_line(self):
        result = self.run_cli("--json", "[[fault:access_denied]]")
        self.assertEqual(result.returncode, 17)
        last = json.loads(result.stdout.splitlines()[-1])
        self.assertEqual(last["type"], "error")
        self.assertEqual(last["error"]["status_name"], "BEDROCK_ERR_ACCESS_DENIED")

    def test_no_stream_prints_the_whole_reply(self):
        result = self.run_cli("--no-stream", "Not", "streamed", self.marker)
        self.assert_ok(result)
        self.assertEqual(result.stdout, f"You said: Not streamed {self.marker}\n")
        self.assertRegex(result.stderr, USAGE_LINE)
        self.assertEqual(self.logged_request()["operation"], "InvokeModel")

        result = self.run_cli("--no-stream", "--json", "whole")
        self.assert_ok(result)
        lines = result.stdout.splitlines()
        self.assertEqual(len(lines), 1)
        self.assertEqual(json.loads(lines[0])["content"], "You said: whole")

    def test_quiet_drops_the_usage_line(self):
        result = self.run_cli("-q", "hush")
        self.assert_ok(result)
        self.assertEqual(result.stdout, "You said: hush\n")
        self.assertEqual(result.stderr, "")

    # ---- the prompt ----------------------------------------------------------------------

    def test_prompt_from_stdin(self):
        result = self.run_cli(input="from stdin\n")
        self.assert_ok(result)
        self.assertEqual(result.stdout, "You said: from stdin\n")

        result = self.run_cli("-", input="dash means stdin\n")
        self.assert_ok(result)
        self.assertEqual(result.stdout, "You said: dash means stdin\n")

    def test_stdin_text_in_place_of_dash(self):
        result = self.run_cli("Review this:", "-", "Thanks.", input="the diff\n")
        self.assert_ok(result)
        self.assertEqual(result.stdout, "You said: Review this:\nthe diff\nThanks.\n")

    def test_empty_prompt_is_a_usage_error(self):
        result = self.run_cli(input="  \n")
        self.assertEqual(result.returncode, 2)
        self.assertIn("prompt is empty", result.stderr)
        self.assertEqual(self.run_cli("-", "-", input="x").returncode, 2)

    # ---- request options -----------------------------------------------------------------

    def test_system_temperature_max_tokens_and_model_reach_the_request(self):
        result = self.run_cli("--system", "Be brief.", "--temperature", "0.5", "--max-tokens", "3",
                              "--model", "us.anthropic.claude-3-5-haiku-20241022-v1:0",
                              "one two three four", self.marker)
        self.assert_ok(result)
        self.assertEqual(result.stdout, "You said: one \n")  # cut at 3 tokens
        self.assertIn("stop: max_tokens", result.stderr)
        request = self.logged_request()
        self.assertEqual(request["model_id"], "us.anthropic.claude-3-5-haiku-20241022-v1:0")
        self.assertEqual(request["body"]["system"], "Be brief.")
        self.assertEqual(request["body"]["temperature"], 0.5)
        self.assertEqual(request["body"]["max_tokens"], 3)

    def test_api_converse_uses_converse_stream(self):
        result = self.run_cli("--api", "converse", "via converse", self.marker)
        self.assert_ok(result)
        self.assertIn(" · converse · ", result.stderr)
        self.assertEqual(self.logged_request()["operation"], "ConverseStream")

    def test_default_model_comes_from_bedrock_chat_model(self):
        result = self.run_cli("hi", env=self.env(BEDROCK_CHAT_MODEL="amazon.nova-lite-v1:0"))
        self.assert_ok(result)
        self.assertIn("[amazon.nova-lite-v1:0 · ", result.stderr)

    def test_image_is_sent_as_an_image_block(self):
        png = tiny_png()
        path = self.file("dot.png", png)
        result = self.run_cli("--image", path, "What is in this image?", self.marker)
        self.assert_ok(result)
        self.assertEqual(result.stdout, f"You said: What is in this image? {self.marker}\n")
        content = self.logged_request()["body"]["messages"][0]["content"]
        images = [block for block in content if block.get("type") == "image"]
        self.assertEqual(len(images), 1)
        self.assertEqual(images[0]["source"]["media_type"], "image/png")
        self.assertEqual(base64.b64decode(images[0]["source"]["data"]), png)

    def test_image_type_from_magic_bytes_then_extension(self):
        jpeg = self.file("photo.bin", b"\xff\xd8\xff\xe0" + bytes(range(64)))
        webp = self.file("x.webp", b"not really webp bytes")
        result = self.run_cli("--image", jpeg, "-i", webp, "--api", "converse", "two images", self.marker)
        self.assert_ok(result)
        content = self.logged_request()["body"]["messages"][0]["content"]
        formats = [block["image"]["format"] for block in content if "image" in block]
        self.assertEqual(formats, ["jpeg", "webp"])

    def test_unusable_image_is_a_usage_error(self):
        result = self.run_cli("--image", self.file("notes.txt", "hello"), "hi")
        self.assertEqual(result.returncode, 2)
        self.assertIn("is not a PNG, JPEG, GIF or WebP image", result.stderr)
        result = self.run_cli("--image", "/nonexistent/x.png", "hi")
        self.assertEqual(result.returncode, 2)
        self.assertIn("cannot read --image /nonexistent/x.png", result.stderr)

    def test_tool_call_is_printed(self):
        tools = self.file("tools.json", json.dumps([WEATHER_TOOL]))
        result = self.run_cli("--tools", tools, "What is the weather? [[tool:get_weather]]")
        self.assert_ok(result)
        self.assertRegex(result.stdout, r'^\[tool call\] get_weather \{"city": "example"\}  \(id tooluse_\w+\)\n$')
        self.assertIn("stop: tool_use", result.stderr)

        result = self.run_cli("--no-stream", "--tools", tools, 'Weather? [[tool:get_weather {"city": "Paris"}]]')
        self.assert_ok(result)
        self.assertRegex(result.stdout, r'^\[tool call\] get_weather \{"city": "Paris"\}  \(id tooluse_\w+\)\n$')

    def test_tools_file_in_converse_shape(self):
        spec = {"toolSpec": {"name": "get_weather", "description": "Weather.",
                             "inputSchema": {"json": WEATHER_TOOL["input_schema"]}}}
        tools = self.file("tools.json", json.dumps({"tools": [spec]}))
        result = self.run_cli("--tools", tools, "[[tool:get_weather]]", self.marker)
        self.assert_ok(result)
        self.assertIn("[tool call] get_weather", result.stdout)
        self.assertEqual(self.logged_request()["body"]["tools"][0]["input_schema"], WEATHER_TOOL["input_schema"])

    def test_bad_tools_file_is_a_usage_error(self):
        result = self.run_cli("--tools", self.file("tools.json", '[{"name": "x",}]'), "hi")
        self.assertEqual(result.returncode, 2)
        self.assertRegex(result.stderr, r"--tools \S+tools\.json:1:\d+: ")
        result = self.run_cli("--tools", self.file("tools.json", '{"name": "x"}'), "hi")
        self.assertEqual(result.returncode, 2)
        self.assertIn("expected a JSON array of tools", result.stderr)

    # ---- AWS settings --------------------------------------------------------------------

    def test_flags_override_the_environment(self):
        env = self.env(region=False, endpoint=False)
        result = self.run_cli("--region", "eu-west-1", "--endpoint-url", URL, "flags", self.marker, env=env)
        self.assert_ok(result)
        self.assertIn("/eu-west-1/bedrock/", self.logged_request()["headers"]["Authorization"])

    def test_profile_from_the_shared_files(self):
        config = self.file("config", f"[profile emu]\nregion = us-west-2\nendpoint_url = {URL}\n")
        credentials = self.file(
            "credentials", "[emu]\naws_access_key_id = AKIDEMULATOR\naws_secret_access_key = emulator/secret/key\n")
        env = self.env(credentials=False, region=False, endpoint=False,
                       AWS_CONFIG_FILE=config, AWS_SHARED_CREDENTIALS_FILE=credentials)
        result = self.run_cli("--profile", "emu", "from a profile", self.marker, env=env)
        self.assert_ok(result)
        self.assertIn("/us-west-2/bedrock/", self.logged_request()["headers"]["Authorization"])

    def test_bearer_token(self):
        env = self.env(credentials=False, AWS_BEARER_TOKEN_BEDROCK="emulator-bearer-token")
        result = self.run_cli("bearer", self.marker, env=env)
        self.assert_ok(result)
        self.assertEqual(self.logged_request()["headers"]["Authorization"], "Bearer emulator-bearer-token")

    # ---- errors a person can act on ------------------------------------------------------

    def test_throttled_mentions_the_attempts(self):
        result = self.run_cli("[[fault:throttle]] hi")
        self.assertEqual(result.returncode, 16)
        self.assertEqual(result.stdout, "")
        self.assertIn("throttling", result.stderr)
        self.assertIn("gave up after 3 attempts", result.stderr)
        self.assertIn("ThrottlingException", result.stderr)

    def test_unknown_model_is_named(self):
        result = self.run_cli("--model", "missing.model-v1", "--provider", "anthropic", "hi")
        self.assertEqual(result.returncode, 19)
        self.assertIn('model "missing.model-v1" was not found', result.stderr)
        result = self.run_cli("--model", "acme.model", "hi")
        self.assertEqual(result.returncode, 11)
        self.assertIn("--provider", result.stderr)

    def test_access_denied(self):
        result = self.run_cli("[[fault:access_denied]]")
        self.assertEqual(result.returncode, 17)
        self.assertIn(f'access denied to model "{MODEL}"', result.stderr)
        self.assertIn("bedrock:InvokeModel", result.stderr)

    def test_network_error_names_the_endpoint(self):
        result = self.run_cli("--endpoint-url", "http://127.0.0.1:1", "hi")
        self.assertEqual(result.returncode, 14)
        self.assertIn("could not reach Bedrock at http://127.0.0.1:1", result.stderr)

    def test_missing_region_is_explained(self):
        result = self.run_cli("hi", env=self.env(region=False))
        self.assertEqual(result.returncode, 12)
        self.assertIn("no AWS region is set", result.stderr)
        self.assertIn("--region", result.stderr)
        self.assertIn("AWS_REGION", result.stderr)

    def test_missing_credentials_are_explained(self):
        result = self.run_cli("hi", env=self.env(credentials=False))
        self.assertEqual(result.returncode, 13)
        self.assertIn("no AWS credentials found", result.stderr)
        self.assertIn("AWS_PROFILE", result.stderr)
        self.assertIn("aws configure", result.stderr)

    def test_rejected_credentials_are_explained_on_one_line(self):
        result = self.run_cli("hi", env=self.env(AWS_SECRET_ACCESS_KEY="wrong"))
        self.assertEqual(result.returncode, 13)
        self.assertIn("rejected the AWS credentials (InvalidSignatureException)", result.stderr)
        self.assertNotIn("Canonical String", result.stderr)

    def test_unknown_profile_is_named(self):
        result = self.run_cli("--profile", "nope", "hi")
        self.assertEqual(result.returncode, 12)
        self.assertIn('profile "nope" does not exist', result.stderr)

    def test_failure_mid_stream_keeps_the_text_and_ends_the_line(self):
        result = self.run_cli("[[fault:stream_exception]] one two three four five")
        self.assertEqual(result.returncode, 20)
        self.assertTrue(result.stdout.startswith("You ") and result.stdout.endswith("\n"), result.stdout)
        self.assertIn("failed to answer", result.stderr)

    def test_ctrl_c_cancels_the_stream(self):
        process = subprocess.Popen([CLI, "[[fault:token_delay:3000]] one two three"], env=self.env(),
                                   stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                   text=True)
        time.sleep(0.5)
        started = time.monotonic()
        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=10)
        self.assertLess(time.monotonic() - started, 2.0)
        self.assertEqual(process.returncode, 130)
        self.assertIn("interrupted", err)

    # ---- --parallel ------------------------------------------------------------------------

    def test_parallel_prints_the_replies_in_the_order_of_the_lines(self):
        # The first line's reply arrives last; it still prints first. Blank lines are skipped.
        prompts = self.file("prompts.txt", f"[[fault:token_delay:150]] one {self.marker}\n\n  \ntwo\r\nthree")
        result = self.run_cli("--parallel", prompts, "Say:")
        self.assert_ok(result)
        self.assertEqual(result.stdout, f"==> 1: Say: [[fault:token_delay:150]] one {self.marker} <==\n"
                                        f"You said: Say: [[fault:token_delay:150]] one {self.marker}\n\n"
                                        "==> 2: Say: two <==\nYou said: Say: two\n\n"
                                        "==> 3: Say: three <==\nYou said: Say: three\n")
        self.assertEqual(len(USAGE_LINE.findall(result.stderr)), 3, result.stderr)

    def test_parallel_json_tags_every_event_with_its_prompt(self):
        result = self.run_cli("--json", "--parallel", "-", input="alpha\nbeta\n")
        self.assert_ok(result)
        events = [json.loads(line) for line in result.stdout.splitlines()]
        for number, word in [(1, "alpha"), (2, "beta")]:
            mine = [event for event in events if event["prompt"] == number]
            self.assertEqual(mine[0]["type"], "start")
            self.assertEqual(mine[-1]["type"], "message")
            text = "".join(event["text"] for event in mine if event["type"] == "text")
            self.assertEqual(text, f"You said: {word}")
            self.assertEqual(mine[-1]["message"]["content"], text)

    def test_parallel_reports_a_failed_prompt_and_prints_the_others(self):
        result = self.run_cli("--parallel", "-", input="one\n[[fault:access_denied]] two\nthree\n")
        self.assertEqual(result.returncode, 17, result.stderr)
        self.assertEqual(result.stdout, "==> 1: one <==\nYou said: one\n\n==> 3: three <==\nYou said: three\n")
        self.assertIn("==> 2: [[fault:access_denied]] two <==\nbedrock-chat: access denied", result.stderr)

    def test_parallel_without_prompts_is_a_usage_error(self):
        result = self.run_cli("--parallel", "-", input="\n  \n")
        self.assertEqual(result.returncode, 2)
        self.assertIn("has no prompts", result.stderr)
        result = self.run_cli("--parallel", os.path.join(self.tmp.name, "missing.txt"))
        self.assertEqual(result.returncode, 2)
        self.assertIn("cannot read --parallel", result.stderr)

    def test_ctrl_c_cancels_every_parallel_prompt(self):
        prompts = self.file("slow.txt", "[[fault:delay:5000]] one two\n[[fault:delay:5000]] three four\n")
        process = subprocess.Popen([CLI, "--parallel", prompts], env=self.env(), stdin=subprocess.DEVNULL,
                                   stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        time.sleep(0.5)
        started = time.monotonic()
        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=10)
        self.assertLess(time.monotonic() - started, 2.0)
        self.assertEqual(process.returncode, 130, err)
        self.assertEqual(out, "")

    # ---- usage ---------------------------------------------------------------------------

    def test_help(self):
        result = self.run_cli("--help")
        self.assert_ok(result)
        self.assertTrue(result.stdout.startswith("Usage: bedrock-chat [OPTIONS] [PROMPT...]\n"))
        for needle in ("--model", "--image", "--tools", "--json", "--no-stream", "--profile", "--region",
                       "--endpoint-url", "--api", "Examples:", "Environment:", "AWS_PROFILE",
                       "AWS_BEARER_TOKEN_BEDROCK", "Exit status:", "16  throttled", "130"):
            self.assertIn(needle, result.stdout)
        self.assertEqual(self.run_cli("-h").stdout, result.stdout)
        self.assertTrue(all(len(line) <= 100 for line in result.stdout.splitlines()))

    def test_version(self):
        result = self.run_cli("--version")
        self.assert_ok(result)
        self.assertRegex(result.stdout, r"^bedrock-chat \d+\.\d+\.\d+ \(libbedrock \d+\.\d+\.\d+\)\n$")

    def test_bad_flags_exit_2(self):
        for args, message in [(["--bogus", "hi"], "unknown option '--bogus'"),
                              (["-x", "hi"], "unknown option '-x'"),
                              (["--json=yes", "hi"], "option '--json' takes no value"),
                              (["hi", "--model"], "option '--model' needs a value"),
                              (["--temperature", "warm", "hi"], "--temperature wants a number"),
                              (["--max-tokens", "0", "hi"], "--max-tokens wants a whole number"),
                              (["--api", "fast", "hi"], "--api is auto, invoke or converse")]:
            with self.subTest(args=args):
                result = self.run_cli(*args)
                self.assertEqual(result.returncode, 2)
                self.assertIn(message, result.stderr)
                self.assertIn("Try 'bedrock-chat --help'", result.stderr)
                self.assertEqual(result.stdout, "")


def main():
    global CLI, URL
    parser = argparse.ArgumentParser()
    parser.add_argument("--cli", required=True)
    parser.add_argument("--url-file")
    args, rest = parser.parse_known_args()
    CLI = os.path.abspath(args.cli)
    URL = os.environ.get("BEDROCK_EMULATOR_URL") or open(args.url_file).read().strip()
    unittest.main(argv=[sys.argv[0], *rest], verbosity=2)


if __name__ == "__main__":
    main()
