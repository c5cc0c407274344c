"""Constants and helpers shared by the binding's tests."""

EMULATOR_CREDENTIALS = {"access_key_id": "AKIDEMULATOR", "secret_access_key": "emulator/secret/key"}
MODEL = "anthropic.claude-3-sonnet-20240229-v1:0"


def say(text):
    """A Converse request whose one user message is ``text``."""
    return {"messages": [{"role": "user", "content": [{"text": text}]}]}
