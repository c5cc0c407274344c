"""The planner and prompt-template parsing, without a server."""

import pytest
from emulator import formats, planner
from emulator.conversation import ANY, Conversation, Document, Guardrail, ToolChoice, ToolSpec
from emulator.errors import ApiError
from emulator.formats import prompts
from emulator.state import PromptCache


def turns(prompt, templates):
    return [(t.role, t.text) for t in prompts.parse(prompt, templates)]


def test_llama3_template():
    prompt = ("<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\nBe kind<|eot_id|>"
              "<|start_header_id|>user<|end_header_id|>\n\nfirst<|eot_id|>"
              "<|start_header_id|>assistant<|end_header_id|>\n\nreply<|eot_id|>"
              "<|start_header_id|>ipython<|end_header_id|>\n\n42<|eot_id|>"
              "<|start_header_id|>assistant<|end_header_id|>\n\n")
    assert turns(prompt, [prompts.llama3]) == [
        ("system", "Be kind"), ("user", "first"), ("assistant", "reply"), ("tool", "42")]
    conv = prompts.conversation(prompts.parse(prompt, [prompts.llama3]))
    assert (conv.last_user_text, conv.tool_results, conv.turns) == ("first", ["42"], 3)


def test_llama4_template():
    prompt = ("<|begin_of_text|><|header_start|>user<|header_end|>hi there<|eot|>"
              "<|header_start|>assistant<|header_end|>")
    assert turns(prompt, [prompts.llama4]) == [("user", "hi there")]


@pytest.mark.parametrize("prompt", [
    "<s>[INST] <<SYS>>\nBe kind\n<</SYS>>\n\nfirst [/INST] reply </s><s>[INST] second [/INST]",
    "<<SYS>> Be kind <</SYS>>\n[INST] first [/INST]\nreply\n[INST] second [/INST]",
])
def test_inst_template(prompt):
    assert turns(prompt, [prompts.inst]) == [
        ("system", "Be kind"), ("user", "first"), ("assistant", "reply"), ("user", "second")]


def test_titan_template():
    prompt = "Be kind\n\nUser: first\nBot: reply\nUser: second\nBot:"
    assert turns(prompt, [prompts.titan]) == [
        ("system", "Be kind"), ("user", "first"), ("assistant", "reply"), ("user", "second")]


@pytest.mark.parametrize("prompt", [
    "<｜begin▁of▁sentence｜>Be kind<｜User｜>first<｜Assistant｜><think>x</think>reply"
    "<｜end▁of▁sentence｜><｜User｜>second<｜Assistant｜><think>\n",
    "\n<|begin_of_sentence|><|System|>Be kind<|User|>first<|Assistant|>reply<|User|>second"
    "<|Assistant|>\n\n",
])
def test_deepseek_template(prompt):
    assert turns(prompt, [prompts.deepseek]) == [
        ("system", "Be kind"), ("user", "first"), ("assistant", "reply"), ("user", "second")]


def test_unrecognised_prompt_is_one_user_turn():
    assert turns("  just text  ", [prompts.llama3, prompts.inst]) == [("user", "just text")]


@pytest.mark.parametrize("schema, value", [
    ({"type": "object", "properties": {"a": {"type": "string"}, "b": {"type": "number"}},
      "required": ["a"]}, {"a": "example"}),
    ({"type": "object", "properties": {"a": {"type": "boolean"}, "b": {"type": "array"},
                                       "c": {"enum": ["x", "y"]}}},
     {"a": True, "b": [], "c": "x"}),
    ({"properties": {"o": {"type": "object", "properties": {"n": {"type": "integer"}}}}},
     {"o": {"n": 1}}),
    ({"type": "object", "properties": {"u": {"anyOf": [{"type": "string"}, {"type": "null"}]},
                                       "t": {"type": ["null", "integer"]}}},
     {"u": "example", "t": 1}),
    ({"type": "string"}, {}), (None, {}),
])
def test_example_input_from_schema(schema, value):
    assert planner.example_input(schema) == value


@pytest.mark.parametrize("text, found", [
    ("no directive", None), ("[[tool:f]]", ("f", None)),
    ('x [[tool:get_weather {"city": "a]]b"}]] y', ("get_weather", {"city": "a]]b"})),
    ("[[tool:f   {}  ]]", ("f", {})),
])
def test_find_tool_directive(text, found):
    assert planner.find_tool_directive(text) == found


@pytest.mark.parametrize("text", ["[[tool:]]", "[[tool:f {]]", "[[tool:f x]]"])
def test_bad_tool_directive(text):
    with pytest.raises(ApiError):
        planner.find_tool_directive(text)


def test_fragments_are_never_fewer_than_two():
    assert planner.split_fragments("{}") == ("{", "}")
    assert "".join(planner.split_fragments('{"city":"Paris"}')) == '{"city":"Paris"}'


def test_plan_order_of_rules():
    tools = [ToolSpec("f", {"type": "object"})]
    guard = Guardrail("g", "1", False)
    conv = Conversation(last_user_text="[[guardrail]] [[tool:f]]", tools=tools, guardrail=guard)
    assert planner.plan(conv).stop == planner.GUARDRAIL_INTERVENED
    conv.guardrail = None
    assert planner.plan(conv).tool_call.name == "f"
    conv.tool_results = ["done"]
    assert planner.plan(conv).text == "Tool said: done"
    conv = Conversation(last_user_text="x", tools=tools, tool_choice=ToolChoice(ANY))
    assert planner.plan(conv).stop == planner.TOOL_USE


@pytest.mark.parametrize("text, passage", [
    ("  The sky is blue. It is wide.", ("The sky is blue.", 2, 18)),
    ("No full stop", ("No full stop", 0, 12)),
    ("Title  \r\nBody.", ("Title", 0, 5)),
    ("Pi is 3.14 exactly! Yes", ("Pi is 3.14 exactly!", 0, 19)),
    ("\n\n  Why? Because.", ("Why?", 4, 8)),
    (" \n ", None),
])
def test_cited_passage_is_the_first_sentence(text, passage):
    conv = Conversation(documents=[Document("doc", (text,), by_block=False, cited=True)])
    citations = planner.cited_passages(conv)
    assert [(c.quote, c.start, c.end) for c in citations] == ([passage] if passage else [])
    assert all(text[c.start:c.end] == c.quote for c in citations)


def test_citations_come_after_the_tool_rules():
    cited = Document("doc", ("Cited.",), by_block=False, cited=True)
    skipped = [Document("plain", ("Not cited.",), by_block=False, cited=False),
               Document("scan", (), by_block=False, cited=True)]
    conv = Conversation(last_user_text="[[tool:f]]", documents=[*skipped, cited],
                        tools=[ToolSpec("f", {"type": "object"})])
    assert planner.plan(conv).tool_call.name == "f"
    conv.tools = []
    plan = planner.plan(conv)
    assert plan.text == "According to doc: Cited."
    assert [(c.title, c.document_index) for c in plan.citations] == [("doc", 2)]
    conv.tool_results = ["done"]
    assert (planner.plan(conv).text, planner.plan(conv).citations) == ("Tool said: done", ())


def test_system_tool_comes_after_the_tool_rules_and_before_citations():
    cited = Document("doc", ("Cited.",), by_block=False, cited=True)
    conv = Conversation(last_user_text="[[tool:f]]", documents=[cited],
                        tools=[ToolSpec("f", {"type": "object"})],
                        system_tools=[planner.GROUNDING, planner.CODE_INTERPRETER])
    assert (planner.plan(conv).tool_call.name, planner.plan(conv).server_tool) == ("f", None)
    conv.tools = []
    plan = planner.plan(conv)
    assert (plan.text, plan.citations) == ("You said: [[tool:f]]", ())
    assert (plan.server_tool.call.name, plan.server_tool.call.input) == (
        planner.GROUNDING, {"query": "[[tool:f]]"})
    assert [page.domain for page in plan.server_tool.sources] == [
        "www.example.com", "news.example.org"]
    conv.tool_results = ["done"]
    assert (planner.plan(conv).text, planner.plan(conv).server_tool) == ("Tool said: done", None)


@pytest.mark.parametrize("model, nova", [
    ("us.amazon.nova-2-lite-v1:0", True),
    ("arn:aws:bedrock:us-east-1::foundation-model/amazon.nova-premier-v1:0", True),
    ("arn:aws:bedrock:us-east-1:1:application-inference-profile/abc", True),
    ("amazon.titan-text-express-v1", False),
    ("anthropic.claude-3-sonnet-20240229-v1:0", False),
])
def test_which_models_have_system_tools(model, nova):
    assert formats.has_system_tools(model) is nova


def test_plan_usage_with_cache():
    conv = Conversation(segments=["a b c", "d"], cache_mark=1, last_user_text="d")
    cache = PromptCache()
    first, second = planner.plan(conv, cache), planner.plan(conv, cache)
    assert (first.usage.input_tokens, first.usage.cache_write, first.usage.cache_read) == (1, 3, 0)
    assert (second.usage.cache_write, second.usage.cache_read) == (0, 3)
    assert second.usage.total_tokens == 1 + 3 + len(second.tokens)


def test_prompt_cache_forgets_the_oldest():
    cache = PromptCache(capacity=2)
    assert [cache.seen(k) for k in "abca"] == [False, False, False, False]
    assert len(cache) == 2


@pytest.mark.parametrize("model, base, provider", [
    ("us.anthropic.claude-v1:0", "anthropic.claude-v1:0", "anthropic"),
    ("us-gov.meta.llama3-v1:0", "meta.llama3-v1:0", "meta"),
    ("global.amazon.nova-2-lite-v1:0", "amazon.nova-2-lite-v1:0", "amazon"),
    ("arn:aws:bedrock:us-east-1::foundation-model/cohere.command-r-v1:0",
     "cohere.command-r-v1:0", "cohere"),
    ("arn:aws:bedrock:us-east-1:1:custom-model/abc", None, None),
    ("my-model", "my-model", None),
])
def test_model_id_parsing(model, base, provider):
    if base is not None:
        assert formats.base_model_id(model) == base
    assert formats.provider_of(model) == provider
