"""ApplyGuardrail and InvokeGuardrailChecks: the emulated guardrail without a model call.

It decides as it does inside Converse and InvokeModel (``planner.guardrail_blocks``: a text
holding ``[[guardrail]]`` is blocked), so the same text gets the same verdict through
every operation. Its one policy is a content filter (misconduct, high strength).
"""

import math
import re

from .formats.base import content_policy
from .planner import GUARDRAIL_MESSAGE, guardrail_blocks

TEXT_UNIT_CHARS = 1000  # Bedrock bills guardrails by text units of up to 1,000 characters
BLOCKED_REASON, NO_ACTION_REASON = "Guardrail blocked.", "No action."
# InvokeGuardrailChecks' severity for every requested category, for flagged text and not.
FLAGGED_SEVERITY, CLEAN_SEVERITY = 0.9, 0.0
ENTITY_CONFIDENCE = 0.99
# The sensitive-information entity types InvokeGuardrailChecks finds, and how.
_ENTITIES = {"EMAIL": re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+"),
             "IP_ADDRESS": re.compile(r"\b(?:\d{1,3}\.){3}\d{1,3}\b"),
             "URL": re.compile(r"https?://[^\s\"'<>]+")}


def text_units(texts) -> int:
    return sum(math.ceil(len(text) / TEXT_UNIT_CHARS) for text in texts)


# -- ApplyGuardrail -----------------------------------------------------------------------

def apply_guardrail_texts(params: dict) -> list[str]:
    return [block["text"]["text"] for block in params["content"] if block.get("text")]


def apply_guardrail(params: dict, latency_ms: int) -> dict:
    texts = apply_guardrail_texts(params)
    images = sum(1 for block in params["content"] if block.get("image"))
    blocked = guardrail_blocks(" ".join(texts))
    usage = {"topicPolicyUnits": 0, "contentPolicyUnits": text_units(texts),
             "wordPolicyUnits": 0, "sensitiveInformationPolicyUnits": 0,
             "sensitiveInformationPolicyFreeUnits": 0, "contextualGroundingPolicyUnits": 0,
             "contentPolicyImageUnits": images}
    characters = sum(map(len, texts))
    coverage = {"textCharacters": {"guarded": characters, "total": characters}}
    if images:
        coverage["images"] = {"guarded": images, "total": images}
    # The filter shows when it intervened, or always with outputScope FULL.
    assessment = (content_policy(blocked) if blocked or params.get("outputScope") == "FULL"
                  else {})
    assessment["invocationMetrics"] = {"guardrailProcessingLatency": latency_ms,
                                       "usage": usage, "guardrailCoverage": coverage}
    return {"usage": usage, "action": "GUARDRAIL_INTERVENED" if blocked else "NONE",
            "actionReason": BLOCKED_REASON if blocked else NO_ACTION_REASON,
            "outputs": [{"text": GUARDRAIL_MESSAGE}] if blocked else [],
            "assessments": [assessment], "guardrailCoverage": coverage}


# -- InvokeGuardrailChecks ----------------------------------------------------------------

def checks_texts(params: dict) -> list[tuple[int, int, str]]:
    """``(message index, content index, text)`` for each text the checks read."""
    return [(message_index, content_index, block["text"])
            for message_index, message in enumerate(params["messages"])
            for content_index, block in enumerate(message["content"])]


def invoke_guardrail_checks(params: dict) -> dict:
    texts = checks_texts(params)
    severity = (FLAGGED_SEVERITY if guardrail_blocks(" ".join(text for *_, text in texts))
                else CLEAN_SEVERITY)
    units = {"textUnits": text_units(text for *_, text in texts)}
    checks = params["checks"]
    results, usage = {}, {}
    for check in ("contentFilter", "promptAttack"):
        if checks.get(check):
            results[check] = {"results": [{"category": entry["category"],
                                           "severityScore": severity}
                                          for entry in checks[check]["categories"]]}
            usage[check] = units
    if checks.get("sensitiveInformation"):
        wanted = [entry["type"] for entry in checks["sensitiveInformation"]["entities"]]
        results["sensitiveInformation"] = {"results": _entities(texts, wanted),
                                           "truncated": False}
        usage["sensitiveInformation"] = units
    return {"results": results, "usage": usage}


def _entities(texts, wanted) -> list[dict]:
    """Each match of a wanted entity type, with its character offsets (end exclusive)."""
    patterns = [(kind, _ENTITIES[kind]) for kind in dict.fromkeys(wanted) if kind in _ENTITIES]
    return [{"type": kind, "confidenceScore": ENTITY_CONFIDENCE,
             "beginOffset": match.start(), "endOffset": match.end(),
             "messageIndex": message_index, "contentIndex": content_index}
            for message_index, content_index, text in texts
            for kind, pattern in patterns
            for match in pattern.finditer(text)]
