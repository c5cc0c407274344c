"""Code the local test servers share: the Bedrock emulator (tools/emulator) and the credential
servers (tools/credential_servers). See ../README.md."""
