"""The credential provider chain, end to end through the binding: each provider reached with
everything before it absent, against real local servers (tools/credential_servers: STS,
container endpoint, IMDSv2, SSO portal), a real credential_process script and temporary shared
config files. Every success is a signed Converse call that the Bedrock emulator accepts with
the temporary keys those servers issued, session token included."""

import asyncio
import hashlib
import json
import secrets
import shlex
import sys
import threading
import time
import urllib.request
from pathlib import Path

import pytest

from bedrock_chat import Client, CredentialsError
from bedrock_testlib import EMULATOR_CREDENTIALS, MODEL, say
from emulator.ctl import start as start_emulator, stop as stop_emulator

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tools" / "credential_servers"))

from credential_servers import ctl as credential_servers  # noqa: E402

PROCESS_SCRIPT = Path(__file__).resolve().parent / "credential_process.py"
POOL_SIZE = 400
REGION = "us-east-1"


# ---- fixtures ----------------------------------------------------------------------------

@pytest.fixture(scope="module")
def keys_file(tmp_path_factory):
    """The temporary keys the servers hand out. Secrets hold "/", "+" and "&", as real ones may,
    so XML escaping, JSON and form encoding are all exercised."""
    keys = {f"ASIACRED{index:04d}": f"cred/secret+{index}&{secrets.token_hex(8)}" for index in range(POOL_SIZE)}
    path = tmp_path_factory.mktemp("keys") / "keys.json"
    path.write_text(json.dumps(keys))
    return path


@pytest.fixture(scope="module")
def pool(keys_file):
    return sorted(json.loads(keys_file.read_text()).items())


@pytest.fixture(scope="module")
def bedrock(tmp_path_factory, keys_file):
    """A Bedrock emulator of our own that accepts the pool's keys."""
    state = tmp_path_factory.mktemp("credentials-emulator")
    yield start_emulator(state, ["--credentials", str(keys_file)]).url
    stop_emulator(state)


@pytest.fixture(scope="module")
def server_set(tmp_path_factory, keys_file):
    state = tmp_path_factory.mktemp("credential-servers")
    yield credential_servers.start(state, keys_file)
    credential_servers.stop(state)


@pytest.fixture
def servers(server_set, bedrock):
    """The servers with default behaviour and empty records, and the emulator's log cleared."""
    server_set.reset()
    _emulator_request("DELETE", bedrock + "/_emulator/requests")
    return server_set


@pytest.fixture
def files(tmp_path, monkeypatch):
    """Writes the shared config and credentials files the client will read."""
    config, credentials = tmp_path / "config", tmp_path / "credentials"
    monkeypatch.setenv("AWS_CONFIG_FILE", str(config))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(credentials))

    def write(config_text="", credentials_text=""):
        config.write_text(config_text)
        credentials.write_text(credentials_text)
    return write


# ---- helpers -----------------------------------------------------------------------------

def _emulator_request(method, url):
    with urllib.request.urlopen(urllib.request.Request(url, method=method), timeout=10) as response:
        return json.loads(response.read() or b"{}")


def signed_with(bedrock):
    """(access key id, session token) of each request the emulator received, in order."""
    used = []
    for request in _emulator_request("GET", bedrock + "/_emulator/requests")["requests"]:
        authorization = request["headers"].get("Authorization", "")
        access_key = authorization.split("Credential=", 1)[1].split("/", 1)[0] if "Credential=" in authorization else None
        used.append((access_key, request["headers"].get("X-Amz-Security-Token")))
    return used


def issued(servers, kind=None):
    return [(record["access_key_id"], record["session_token"])
            for record in servers.snapshot()["issued"] if kind is None or record["server"] == kind]


def converse_ok(bedrock, **config):
    with Client(region=REGION, endpoint_url=bedrock, **config) as client:
        reply = client.converse(MODEL, say("credentials"))
    assert reply["output"]["message"]["content"][0]["text"] == "You said: credentials"


def credentials_error(bedrock, **config) -> CredentialsError:
    with Client(region=REGION, endpoint_url=bedrock, **config) as client:
        with pytest.raises(CredentialsError) as caught:
            client.converse(MODEL, say("credentials"))
    return caught.value


def error_texts(error: CredentialsError) -> str:
    return str(error) + json.dumps(error.__dict__, default=str)


def use_imds(monkeypatch, servers):
    monkeypatch.delenv("AWS_EC2_METADATA_DISABLED")
    monkeypatch.setenv("AWS_EC2_METADATA_SERVICE_ENDPOINT", servers.imds)


def process_command(keys_file, record, *extra):
    return shlex.join([sys.executable, str(PROCESS_SCRIPT), "--keys", str(keys_file), "--record", str(record), *extra])


def write_sso_token(home: Path, cache_key: str, token: str, expires_in: int) -> None:
    cache = home / ".aws" / "sso" / "cache"
    cache.mkdir(parents=True, exist_ok=True)
    expires = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() + expires_in))
    (cache / (hashlib.sha1(cache_key.encode()).hexdigest() + ".json")).write_text(
        json.dumps({"startUrl": "https://example.awsapps.com/start", "region": "us-east-1",
                    "accessToken": token, "expiresAt": expires,
                    "clientSecret": "sso-client-secret-value", "refreshToken": "sso-refresh-token-value"}))


# ---- each provider, with everything before it absent --------------------------------------

def test_explicit_config_wins_over_the_chain(servers, bedrock, monkeypatch, pool):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIDNOTTHISONE")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "not-this-secret")
    use_imds(monkeypatch, servers)
    converse_ok(bedrock, credentials=EMULATOR_CREDENTIALS)
    assert signed_with(bedrock) == [("AKIDEMULATOR", None)]
    assert servers.snapshot()["requests"] == []


def test_environment_keys_with_session_token(servers, bedrock, monkeypatch, pool):
    access_key_id, secret = pool[-1]
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", access_key_id)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", secret)
    monkeypatch.setenv("AWS_SESSION_TOKEN", "environment-session-token")
    converse_ok(bedrock)
    assert signed_with(bedrock) == [(access_key_id, "environment-session-token")]


def test_web_identity_from_the_environment(servers, bedrock, monkeypatch, tmp_path):
    token_file = tmp_path / "token"
    token_file.write_text("web-identity-token\n")  # the trailing newline is not part of a JWT
    monkeypatch.setenv("AWS_WEB_IDENTITY_TOKEN_FILE", str(token_file))
    monkeypatch.setenv("AWS_ROLE_ARN", "arn:aws:iam::123456789012:role/web-role")
    monkeypatch.setenv("AWS_ROLE_SESSION_NAME", "pod-session")
    monkeypatch.setenv("AWS_ENDPOINT_URL_STS", servers.sts)
    converse_ok(bedrock)
    assert signed_with(bedrock) == issued(servers, "sts")
    calls = [r for r in servers.snapshot()["requests"] if r["method"] == "call"]
    assert calls[0]["path"] == "AssumeRoleWithWebIdentity"
    assert calls[0]["form"]["RoleArn"] == "arn:aws:iam::123456789012:role/web-role"
    assert calls[0]["form"]["RoleSessionName"] == "pod-session"


def test_assume_role_with_source_profile(servers, bedrock, monkeypatch, files):
    files("[profile app]\nrole_arn = arn:aws:iam::123456789012:role/app\nsource_profile = base\n"
          "role_session_name = app-session\nexternal_id = ext-1\nduration_seconds = 1800\n",
          "[base]\naws_access_key_id = AKIDEMULATOR\naws_secret_access_key = emulator/secret/key\n")
    monkeypatch.setenv("AWS_ENDPOINT_URL_STS", servers.sts)
    converse_ok(bedrock, profile="app")
    assert signed_with(bedrock) == issued(servers, "sts")
    requests = servers.snapshot()["requests"]
    signed = [r for r in requests if r["method"] == "signed"]
    assert [(r["access_key_id"], r["region"]) for r in signed] == [("AKIDEMULATOR", REGION)]
    form = next(r for r in requests if r["method"] == "call")["form"]
    assert form == {"Action": "AssumeRole", "Version": "2011-06-15", "RoleArn": "arn:aws:iam::123456789012:role/app",
                    "RoleSessionName": "app-session", "ExternalId": "ext-1", "DurationSeconds": "1800"}


def test_assume_role_chain_signs_with_the_previous_role(servers, bedrock, monkeypatch, files):
    files("[default]\nrole_arn = arn:aws:iam::123456789012:role/outer\nsource_profile = middle\n"
          "[profile middle]\nrole_arn = arn:aws:iam::123456789012:role/middle\nsource_profile = base\n",
          "[base]\naws_access_key_id = AKIDEMULATOR\naws_secret_access_key = emulator/secret/key\n")
    monkeypatch.setenv("AWS_ENDPOINT_URL_STS", servers.sts)
    converse_ok(bedrock)
    first, second = issued(servers, "sts")
    signers = [r["access_key_id"] for r in servers.snapshot()["requests"] if r["method"] == "signed"]
    assert signers == ["AKIDEMULATOR", first[0]]  # the outer role is assumed with the middle role's keys
    assert signed_with(bedrock) == [second]


def test_assume_role_with_credential_source_from_instance_metadata(servers, bedrock, monkeypatch, files):
    files("[default]\nrole_arn = arn:aws:iam::123456789012:role/from-ec2\ncredential_source = Ec2InstanceMetadata\n")
    use_imds(monkeypatch, servers)
    monkeypatch.setenv("AWS_ENDPOINT_URL_STS", servers.sts)
    converse_ok(bedrock)
    (imds_key, _), = issued(servers, "imds")
    signers = [r["access_key_id"] for r in servers.snapshot()["requests"] if r["method"] == "signed"]
    assert signers == [imds_key]  # STS also checked the IMDS session token
    assert signed_with(bedrock) == issued(servers, "sts")


def test_sso_legacy_profile(servers, bedrock, monkeypatch, files, tmp_path):
    start_url = "https://my-company.awsapps.com/start"
    files(f"[profile dev]\nsso_start_url = {start_url}\nsso_region = eu-west-1\n"
          "sso_account_id = 123456789012\nsso_role_name = BedrockUser\n")
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("AWS_ENDPOINT_URL_SSO", servers.sso)
    write_sso_token(tmp_path, start_url, "sso-access-token", 3600)
    converse_ok(bedrock, profile="dev")
    assert signed_with(bedrock) == issued(servers, "sso")


def test_sso_session_profile(servers, bedrock, monkeypatch, files, tmp_path):
    files("[default]\nsso_session = corp\nsso_account_id = 123456789012\nsso_role_name = BedrockUser\n"
          "[sso-session corp]\nsso_start_url = https://corp.awsapps.com/start\nsso_region = us-east-1\n")
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("AWS_ENDPOINT_URL_SSO", servers.sso)
    write_sso_token(tmp_path, "corp", "sso-access-token", 3600)
    converse_ok(bedrock)
    assert signed_with(bedrock) == issued(servers, "sso")
    (request,) = [r for r in servers.snapshot()["requests"] if r["server"] == "sso"]
    assert request["path"].startswith("/federation/credentials?")
    assert "account_id=123456789012" in request["path"] and "role_name=BedrockUser" in request["path"]


def test_sso_expired_token_says_to_log_in_again(servers, bedrock, monkeypatch, files, tmp_path):
    files("[default]\nsso_session = corp\nsso_account_id = 123456789012\nsso_role_name = BedrockUser\n"
          "[sso-session corp]\nsso_start_url = https://corp.awsapps.com/start\nsso_region = us-east-1\n")
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("AWS_ENDPOINT_URL_SSO", servers.sso)
    write_sso_token(tmp_path, "corp", "sso-access-token", -60)
    error = credentials_error(bedrock)
    assert "aws sso login --sso-session corp" in str(error)
    assert "sso-access-token" not in error_texts(error)
    assert servers.snapshot()["requests"] == []


def test_shared_credentials_file_keys(servers, bedrock, files, pool):
    access_key_id, secret = pool[-2]
    files("", f"[default]\naws_access_key_id = {access_key_id}\naws_secret_access_key = {secret}\n"
              "aws_session_token = file-session-token\n")
    converse_ok(bedrock)
    assert signed_with(bedrock) == [(access_key_id, "file-session-token")]


def test_credential_process(servers, bedrock, files, keys_file, pool, tmp_path):
    record = tmp_path / "runs"
    files(f"[default]\ncredential_process = {process_command(keys_file, record, '--first', '10')}\n")
    converse_ok(bedrock)
    assert signed_with(bedrock) == [(pool[10][0], "process-token-0")]
    assert record.read_text().splitlines() == ["ok"]


def test_config_file_keys_come_after_credential_process(servers, bedrock, files, keys_file, pool, tmp_path):
    access_key_id, secret = pool[-3]
    files(f"[default]\naws_access_key_id = {access_key_id}\naws_secret_access_key = {secret}\n")
    converse_ok(bedrock)
    assert signed_with(bedrock) == [(access_key_id, None)]
    # With a credential_process in the same profile, botocore runs the process first.
    record = tmp_path / "runs"
    files(f"[default]\naws_access_key_id = {access_key_id}\naws_secret_access_key = {secret}\n"
          f"credential_process = {process_command(keys_file, record, '--first', '20')}\n")
    converse_ok(bedrock)
    assert signed_with(bedrock)[-1] == (pool[20][0], "process-token-0")


def test_container_full_uri_with_authorization_token_file(servers, bedrock, monkeypatch, tmp_path):
    servers.reset(container={"authorization": "pod-identity-token"})
    token_file = tmp_path / "eks-pod-identity-token"
    token_file.write_text("pod-identity-token")
    monkeypatch.setenv("AWS_CONTAINER_CREDENTIALS_FULL_URI", servers.container + "/v1/credentials")
    monkeypatch.setenv("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE", str(token_file))
    monkeypatch.setenv("AWS_CONTAINER_AUTHORIZATION_TOKEN", "the-file-wins-over-this")
    converse_ok(bedrock)
    assert signed_with(bedrock) == issued(servers, "container")
    (request,) = servers.snapshot()["requests"]
    assert request["path"] == "/v1/credentials"
    assert request["headers"]["authorization"] == "pod-identity-token"


def test_container_full_uri_with_authorization_token_variable(servers, bedrock, monkeypatch):
    servers.reset(container={"authorization": "ecs-token"})
    monkeypatch.setenv("AWS_CONTAINER_CREDENTIALS_FULL_URI", servers.container.replace("127.0.0.1", "localhost") + "/c")
    monkeypatch.setenv("AWS_CONTAINER_AUTHORIZATION_TOKEN", "ecs-token")
    converse_ok(bedrock)
    assert signed_with(bedrock) == issued(servers, "container")


def test_container_full_uri_over_http_must_stay_on_this_machine(servers, bedrock, monkeypatch):
    monkeypatch.setenv("AWS_CONTAINER_CREDENTIALS_FULL_URI", "http://credentials.example.com/creds")
    error = credentials_error(bedrock)
    assert "credentials.example.com" in str(error) and "not allowed over http" in str(error)
    monkeypatch.setenv("AWS_CONTAINER_CREDENTIALS_FULL_URI", "http://127.0.0.1.example.com/creds")
    assert "not allowed over http" in str(credentials_error(bedrock))


def test_instance_metadata_v2(servers, bedrock, monkeypatch):
    use_imds(monkeypatch, servers)
    converse_ok(bedrock)
    assert signed_with(bedrock) == issued(servers, "imds")
    requests = servers.snapshot()["requests"]
    assert [(r["method"], r["path"]) for r in requests] == [
        ("PUT", "/latest/api/token"),
        ("GET", "/latest/meta-data/iam/security-credentials/"),
        ("GET", "/latest/meta-data/iam/security-credentials/bedrock-test-role")]
    assert requests[0]["headers"]["x-aws-ec2-metadata-token-ttl-seconds"] == "21600"
    assert all(r["headers"].get("x-aws-ec2-metadata-token") for r in requests[1:])


def test_instance_metadata_falls_back_to_v1_without_a_token_endpoint(servers, bedrock, monkeypatch):
    servers.reset(imds={"token_status": 405})
    use_imds(monkeypatch, servers)
    converse_ok(bedrock)
    assert signed_with(bedrock) == issued(servers, "imds")
    assert not any(r["headers"].get("x-aws-ec2-metadata-token") for r in servers.snapshot()["requests"])


def test_instance_metadata_disabled(servers, bedrock, monkeypatch):
    use_imds(monkeypatch, servers)
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "TRUE")
    error = credentials_error(bedrock)
    assert "no AWS credentials found" in str(error)
    assert "EC2 instance metadata" in str(error)  # named among the providers tried
    assert servers.snapshot()["requests"] == []


# ---- caching and refresh -----------------------------------------------------------------

def test_refresh_before_expiry_in_the_advisory_window(servers, bedrock, monkeypatch):
    # 902 s: just outside the 15-minute advisory window, which it enters 2 s later (3 s with
    # expiry and clock both read to the whole second).
    servers.reset(expiration_seconds=[902, 3600])
    use_imds(monkeypatch, servers)
    with Client(region=REGION, endpoint_url=bedrock) as client:
        client.converse(MODEL, say("one"))
        client.converse(MODEL, say("two"))
        assert servers.snapshot()["counts"] == {"imds": 1}
        time.sleep(3.1)
        # The current credentials are still good: this call signs with them, and the
        # refresh runs beside it, as the SDKs' background refresh does.
        client.converse(MODEL, say("three"))
        deadline = time.monotonic() + 5
        while servers.snapshot()["counts"] != {"imds": 2} and time.monotonic() < deadline:
            time.sleep(0.02)
        client.converse(MODEL, say("four"))
    first, second = issued(servers, "imds")
    assert servers.snapshot()["counts"] == {"imds": 2}
    assert signed_with(bedrock) == [first, first, first, second]


def _concurrently(client, count):
    barrier = threading.Barrier(count)
    failures = []

    def call():
        barrier.wait()
        try:
            client.converse(MODEL, say("together"))
        except Exception as exc:  # noqa: BLE001 - reported below
            failures.append(exc)
    threads = [threading.Thread(target=call) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []


def test_concurrent_first_calls_fetch_once(servers, bedrock, monkeypatch):
    servers.reset(delay_ms=300)
    monkeypatch.setenv("AWS_CONTAINER_CREDENTIALS_FULL_URI", servers.container + "/creds")
    with Client(region=REGION, endpoint_url=bedrock) as client:
        _concurrently(client, 16)
    assert servers.snapshot()["counts"] == {"container": 1}
    assert set(signed_with(bedrock)) == set(issued(servers))


def test_concurrent_calls_in_the_mandatory_window_refresh_once(servers, bedrock, monkeypatch):
    # 601 s: past the 10-minute mandatory line a second later (2 s, to the whole second), when
    # every caller must wait.
    servers.reset(delay_ms=300, expiration_seconds=[601, 3600])
    monkeypatch.setenv("AWS_CONTAINER_CREDENTIALS_FULL_URI", servers.container + "/creds")
    with Client(region=REGION, endpoint_url=bedrock) as client:
        client.converse(MODEL, say("first"))
        time.sleep(2.1)
        _concurrently(client, 16)
    first, second = issued(servers, "container")
    assert servers.snapshot()["counts"] == {"container": 2}
    assert signed_with(bedrock) == [first] + [second] * 16


# ---- errors: clear, CREDENTIALS, and never a secret ----------------------------------------

@pytest.mark.parametrize("mode, expected", [
    ("fail", 'exited with status 3: could not unlock the vault'),
    ("bad-json", "output is not valid JSON"),
    ("version", "unsupported Version"),
    ("missing-secret", "output has no SecretAccessKey"),
    ("bad-expiration", 'Expiration "next tuesday" that is not an ISO 8601 timestamp'),
])
def test_credential_process_errors(servers, bedrock, files, keys_file, pool, tmp_path, mode, expected):
    files(f"[default]\ncredential_process = {process_command(keys_file, tmp_path / 'runs', '--mode', mode)}\n")
    error = credentials_error(bedrock)
    assert expected in str(error)
    assert "credential_process (profile \"default\")" in str(error)
    assert pool[0][1] not in error_texts(error)
    assert signed_with(bedrock) == []


def test_credential_process_that_cannot_start(servers, bedrock, files):
    files("[default]\ncredential_process = /nonexistent/get-credentials --profile x\n")
    assert 'cannot run "/nonexistent/get-credentials": No such file or directory' in str(credentials_error(bedrock))


def test_secrets_never_appear_in_errors(servers, bedrock, monkeypatch, files, tmp_path, pool):
    leaked_secret = pool[0][1]
    messages = []
    # A container endpoint whose broken answer holds a secret.
    monkeypatch.setenv("AWS_CONTAINER_CREDENTIALS_FULL_URI", servers.container + "/creds")
    servers.reset(override={"container": {"status": 200, "body": f'{{"SecretAccessKey": "{leaked_secret}", '}})
    messages.append(credentials_error(bedrock))
    servers.reset(override={"container": {"status": 200,
                                          "body": json.dumps({"AccessKeyId": "A", "SecretAccessKey": leaked_secret})}})
    messages.append(credentials_error(bedrock))
    monkeypatch.delenv("AWS_CONTAINER_CREDENTIALS_FULL_URI")
    # STS refusing a web identity token, and STS refusing AssumeRole.
    token_file = tmp_path / "token"
    token_file.write_text("a-secret-web-identity-token")
    monkeypatch.setenv("AWS_WEB_IDENTITY_TOKEN_FILE", str(token_file))
    monkeypatch.setenv("AWS_ROLE_ARN", "arn:aws:iam::123456789012:role/web-role")
    monkeypatch.setenv("AWS_ENDPOINT_URL_STS", servers.sts)
    servers.reset()
    messages.append(credentials_error(bedrock))
    assert "InvalidIdentityToken" in str(messages[-1])
    monkeypatch.delenv("AWS_WEB_IDENTITY_TOKEN_FILE")
    files("[default]\nrole_arn = arn:aws:iam::123456789012:role/app\nsource_profile = base\n",
          "[base]\naws_access_key_id = AKIDEMULATOR\naws_secret_access_key = emulator/secret/key\n")
    servers.reset(sts={"error": {"status": 403, "code": "AccessDenied", "message": "not allowed to assume app"}})
    messages.append(credentials_error(bedrock))
    assert "AccessDenied: not allowed to assume app" in str(messages[-1])
    # The SSO portal refusing the cached token.
    files("[default]\nsso_session = corp\nsso_account_id = 123456789012\nsso_role_name = BedrockUser\n"
          "[sso-session corp]\nsso_start_url = https://corp.awsapps.com/start\nsso_region = us-east-1\n")
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("AWS_ENDPOINT_URL_SSO", servers.sso)
    write_sso_token(tmp_path, "corp", "a-revoked-sso-token", 3600)
    messages.append(credentials_error(bedrock))
    assert "rejected the cached token (HTTP 401)" in str(messages[-1])

    for error in messages:
        text = error_texts(error)
        for secret in (leaked_secret, "a-secret-web-identity-token", "emulator/secret/key", "a-revoked-sso-token",
                       "sso-client-secret-value", "sso-refresh-token-value"):
            assert secret not in text, f"{secret!r} leaked into {str(error)!r}"
    assert signed_with(bedrock) == []


# ---- an event loop never blocks on a credential fetch ---------------------------------------

async def _gather_converse(client, count):
    return await asyncio.gather(*(client.aconverse(MODEL, say("together")) for _ in range(count)))


def test_async_calls_park_on_one_background_fetch(servers, bedrock, monkeypatch):
    # The fetch takes 300 ms on the helper thread; 200 calls wait for it, and the loop keeps
    # running meanwhile (the ticker never stalls).
    servers.reset(delay_ms=300)
    monkeypatch.setenv("AWS_CONTAINER_CREDENTIALS_FULL_URI", servers.container + "/creds")

    async def main():
        ticks = []

        async def ticker():
            while True:
                ticks.append(time.monotonic())
                await asyncio.sleep(0.01)

        ticking = asyncio.create_task(ticker())
        async with Client(region=REGION, endpoint_url=bedrock) as client:
            replies = await _gather_converse(client, 200)
        ticking.cancel()
        gaps = [later - earlier for earlier, later in zip(ticks, ticks[1:])]
        return replies, max(gaps)

    replies, longest_gap = asyncio.run(main())
    assert all(r["stopReason"] == "end_turn" for r in replies)
    assert servers.snapshot()["counts"] == {"container": 1}
    assert longest_gap < 0.2
    assert set(signed_with(bedrock)) == set(issued(servers))


def test_expiry_under_async_load_refreshes_once(servers, bedrock, monkeypatch):
    servers.reset(delay_ms=300, expiration_seconds=[601, 3600])
    monkeypatch.setenv("AWS_CONTAINER_CREDENTIALS_FULL_URI", servers.container + "/creds")

    async def main():
        async with Client(region=REGION, endpoint_url=bedrock) as client:
            await client.aconverse(MODEL, say("first"))
            await asyncio.sleep(2.1)  # now inside the mandatory refresh window
            return await _gather_converse(client, 100)

    replies = asyncio.run(main())
    assert len(replies) == 100
    first, second = issued(servers, "container")
    assert servers.snapshot()["counts"] == {"container": 2}
    assert signed_with(bedrock) == [first] + [second] * 100
