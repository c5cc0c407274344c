"""Loads an installed libbedrock with ctypes, as the Python binding does, and checks that it
works: consumer.py LIBRARY VERSION [URL]. Tests/install/run.sh runs it with a bare
environment (env -i), so nothing points the loader at the Swift toolchain."""

import ctypes
import json
import sys

library, version = sys.argv[1], sys.argv[2]
url = sys.argv[3] if len(sys.argv) > 3 else None

lib = ctypes.CDLL(library)
lib.bedrock_version.restype = ctypes.c_char_p
lib.bedrock_client_new.argtypes = [ctypes.c_char_p, ctypes.POINTER(ctypes.c_void_p), ctypes.POINTER(ctypes.c_void_p)]
lib.bedrock_client_free.argtypes = [ctypes.c_void_p]
lib.bedrock_converse.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_char_p,
                                 ctypes.POINTER(ctypes.c_void_p), ctypes.POINTER(ctypes.c_void_p)]
lib.bedrock_string_free.argtypes = [ctypes.c_void_p]
lib.bedrock_error_free.argtypes = [ctypes.c_void_p]

loaded = lib.bedrock_version().decode()
assert loaded == version, f"library version {loaded}, expected {version}"
print(f"python: libbedrock {loaded}")

if url:
    config = {"region": "us-east-1", "endpoint_url": url,
              "credentials": {"access_key_id": "AKIDEMULATOR", "secret_access_key": "emulator/secret/key"}}
    client, error = ctypes.c_void_p(), ctypes.c_void_p()
    assert lib.bedrock_client_new(json.dumps(config).encode(), ctypes.byref(client), ctypes.byref(error)) == 0
    request = {"messages": [{"role": "user", "content": [{"text": "Hello from ctypes."}]}]}
    response = ctypes.c_void_p()
    status = lib.bedrock_converse(client, b"anthropic.claude-3-haiku-20240307-v1:0", json.dumps(request).encode(),
                                  ctypes.byref(response), ctypes.byref(error))
    assert status == 0, f"bedrock_converse returned {status}"
    body = json.loads(ctypes.string_at(response.value).decode())
    lib.bedrock_string_free(response)
    lib.bedrock_client_free(client)
    text = body["output"]["message"]["content"][0]["text"]
    assert text == "You said: Hello from ctypes.", text
    print(f"python: converse: {text}")
print("consumer.py: ok")
