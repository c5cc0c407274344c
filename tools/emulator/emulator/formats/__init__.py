"""InvokeModel body formats, one module per provider format, and how a request picks one.

The provider is the first dotted part of the model id, after any inference-profile
(geography) prefix such as ``us.`` or ``global.``; a foundation-model or inference-profile
ARN is read the same way from its resource id. Within a provider the body's shape picks
the format (e.g. Mistral ``prompt`` vs ``messages``). For other ARNs (application
inference profiles, custom or provisioned models) and unknown providers the body's shape
alone decides.
"""

import re

from ..errors import validation_error
from . import prompts
from .ai21 import Jamba
from .anthropic import Anthropic
from .base import Context, Format
from .cohere import CohereCommand, CohereCommandR
from .deepseek import DeepSeek
from .meta import Meta
from .mistral import MistralChat, MistralText
from .nova import Nova
from .openai import OpenAI
from .titan import Titan

__all__ = ["Context", "Format", "FORMATS", "base_model_id", "detect", "has_system_tools",
           "provider_of"]

# Geography prefixes of cross-region inference profiles.
INFERENCE_PROFILE_PREFIXES = ("us", "eu", "apac", "global", "us-gov", "jp", "au", "ca", "sa",
                              "amer", "ap")
FORMATS = {fmt.name: fmt for fmt in (
    Anthropic(), Meta(), MistralText(), MistralChat(), CohereCommand(), CohereCommandR(),
    Titan(), Nova(), Jamba(), DeepSeek(), OpenAI())}
_ARN_RESOURCE = re.compile(r"arn:aws[^:]*:bedrock:[^:]*:[^:]*:(?:foundation-model|"
                           r"inference-profile)/(.+)")
# Sampling keys only Cohere Command's body has.
_COHERE_KEYS = ("p", "k", "return_likelihoods", "num_generations", "truncate", "logit_bias",
                "stream")


def base_model_id(model_id: str) -> str:
    """The model id without ARN wrapping or inference-profile prefix."""
    match = _ARN_RESOURCE.fullmatch(model_id)
    if match:
        model_id = match.group(1)
    head, dot, rest = model_id.partition(".")
    if dot and head.lower() in INFERENCE_PROFILE_PREFIXES:
        return rest
    return model_id


def provider_of(model_id: str) -> str | None:
    base = base_model_id(model_id)
    if base.startswith("arn:") or "." not in base:
        return None
    return base.split(".", 1)[0].lower()


def has_system_tools(model_id: str) -> bool:
    """Whether the model may take Converse system tools: Amazon Nova, or a model its id does
    not name (an application inference profile, custom or provisioned model ARN)."""
    provider = provider_of(model_id)
    return provider is None or (provider == "amazon" and "nova" in base_model_id(model_id))


def detect(model_id: str, body: dict) -> Format:
    """The format of an InvokeModel request; raises a 400 ApiError if there is none."""
    fmt = _by_provider(provider_of(model_id), base_model_id(model_id), body) or _by_shape(body)
    if fmt is None:
        raise validation_error(f"The model {model_id} is not supported by the emulator's "
                               "InvokeModel formats, and the request body does not say which "
                               "format it is.")
    return fmt


def _by_provider(provider: str | None, base: str, body: dict) -> Format | None:
    messages, prompt = "messages" in body, "prompt" in body
    if provider == "anthropic":
        return FORMATS["anthropic"]
    if provider == "meta":
        return FORMATS["meta"]
    if provider == "mistral":
        return FORMATS["mistral-chat" if messages else "mistral"]
    if provider == "cohere":
        return FORMATS["cohere-chat" if "message" in body else "cohere"]
    if provider == "amazon":
        if "nova" in base:
            return FORMATS["nova"]
        if "titan" in base:
            return FORMATS["titan"]
    if provider == "ai21":
        return FORMATS["ai21"]
    if provider == "deepseek":
        return FORMATS["openai" if messages and not prompt else "deepseek"]
    if provider in ("openai", "qwen"):
        return FORMATS["openai"]
    return None


def _by_shape(body: dict) -> Format | None:
    if "anthropic_version" in body:
        return FORMATS["anthropic"]
    if body.get("schemaVersion") == "messages-v1" or "inferenceConfig" in body or \
            "toolConfig" in body:
        return FORMATS["nova"]
    if "inputText" in body:
        return FORMATS["titan"]
    if isinstance(body.get("message"), str):
        return FORMATS["cohere-chat"]
    if "messages" in body:
        return FORMATS["openai"]
    prompt = body.get("prompt")
    if not isinstance(prompt, str):
        return None
    if prompts.deepseek(prompt) is not None:
        return FORMATS["deepseek"]
    if "max_gen_len" in body or prompts.llama3(prompt) is not None or \
            prompts.llama4(prompt) is not None:
        return FORMATS["meta"]
    if any(key in body for key in _COHERE_KEYS):
        return FORMATS["cohere"]
    if "[INST]" in prompt:
        return FORMATS["mistral"]
    return FORMATS["meta"]
