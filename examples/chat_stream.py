"""Streams a Bedrock chat reply to the terminal as it arrives, through the Python binding's
provider-independent chat API.

    python3 examples/chat_stream.py [--model MODEL_ID] [--system TEXT] PROMPT...

Region, endpoint and credentials come from the environment and ~/.aws, as with boto3.
"""

import argparse
import sys

from bedrock_chat import BedrockError, Client


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="anthropic.claude-3-haiku-20240307-v1:0")
    parser.add_argument("--system", default="You are a helpful assistant.")
    parser.add_argument("prompt", nargs="+")
    args = parser.parse_args()

    request = {"model": args.model, "max_tokens": 512,
               "messages": [["system", args.system], ["human", " ".join(args.prompt)]]}
    try:
        with Client() as client, client.chat_stream(request) as stream:
            for event in stream:
                if event["type"] == "text":
                    print(event["text"], end="", flush=True)
                elif event["type"] == "message":
                    message = event["message"]
                    usage = message["usage"]
                    print(f"\n[{args.model} via {message['api']}: {usage['input_tokens']} input tokens, "
                          f"{usage['output_tokens']} output tokens, stop: {message['stop_reason']}]", file=sys.stderr)
    except BedrockError as error:
        print(f"\nerror: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
