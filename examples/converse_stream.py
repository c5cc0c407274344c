"""Streams a Bedrock reply to the terminal as it arrives, through the Python binding.

    python3 examples/converse_stream.py [--model MODEL_ID] PROMPT...

Region, endpoint and credentials come from the environment and ~/.aws, as with boto3.
"""

import argparse
import sys

from bedrock_chat import BedrockError, Client


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="anthropic.claude-3-haiku-20240307-v1:0")
    parser.add_argument("prompt", nargs="+")
    args = parser.parse_args()

    request = {
        "messages": [{"role": "user", "content": [{"text": " ".join(args.prompt)}]}],
        "inferenceConfig": {"maxTokens": 512},
    }
    try:
        with Client() as client:
            for event in client.converse_stream(args.model, request):
                if "contentBlockDelta" in event:
                    print(event["contentBlockDelta"]["delta"].get("text", ""), end="", flush=True)
                elif "metadata" in event:
                    usage = event["metadata"]["usage"]
                    print(f"\n[{args.model}: {usage['inputTokens']} input tokens, "
                          f"{usage['outputTokens']} output tokens]", file=sys.stderr)
    except BedrockError as error:
        print(f"\nerror: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
