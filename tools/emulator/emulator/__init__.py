"""Local Amazon Bedrock Runtime emulator (HTTP/1.1, SigV4/bearer auth, fault injection)."""
