"""Constants and helpers shared by the binding's tests."""

EMULATOR_CREDENTIALS = {"access_key_id": "AKIDEMULATOR", "secret_access_key": "emulator/secret/key"}
MODEL = "anthropic.claude-3-sonnet-20240229-v1:0"


def say(text):
    """A Converse request whose one user message is ``text``."""
    return {"messages": [{"role": "user", "content": [{"text": text}]}]}


def emulator_aws_settings(emulator_url):
    """The keyword arguments that point boto3 and LangChain's Bedrock chat models at the
    emulator, with its credentials."""
    return {"region_name": "us-east-1", "endpoint_url": emulator_url,
            "aws_access_key_id": EMULATOR_CREDENTIALS["access_key_id"],
            "aws_secret_access_key": EMULATOR_CREDENTIALS["secret_access_key"]}


def collect(chunks):
    """LangChain message chunks added up into one message."""
    full = None
    for chunk in chunks:
        full = chunk if full is None else full + chunk
    assert full is not None, "the stream gave no chunks"
    return full


def langchain_reply(model, messages, stream):
    """A LangChain chat model's reply: from ``invoke``, or its streamed chunks added up."""
    return collect(model.stream(messages)) if stream else model.invoke(messages)
