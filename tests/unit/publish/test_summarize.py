"""The analysis comes through a Summarizer: extractive by default, Amazon Bedrock (Converse) when configured.

The Bedrock client is a real botocore client for bedrock-runtime whose responses come from botocore's Stubber,
which also checks every request against the service model (no network)."""

from __future__ import annotations

import json

import boto3
import pytest
from botocore.stub import Stubber

from newsdive.model.documents import DeepDive
from newsdive.publish.render import deep_dive, to_json
from newsdive.publish.stage import Publisher, publish
from newsdive.publish.summarize import (
    SYSTEM_PROMPT,
    BedrockSummarizer,
    ExtractiveSummarizer,
    from_settings,
    is_dateline,
)
from newsdive.storage.memory import MemoryCandidateIndex, MemoryObjectStore, MemoryStoryRepository

from ..factories import BRIDGE, article

MODEL = "amazon.nova-lite-v1:0"
OVERVIEW = ("Kestrel Bay's council postponed its vote on the Ostrava Bridge toll plan after mayor Lidia Ferrante "
            "asked for a new traffic study. The bridge carries 41,000 cars a day.")


@pytest.fixture
def story():
    from newsdive.aggregate.stage import Aggregator, assign

    stories = MemoryStoryRepository()
    agg = Aggregator(stories=stories, index=MemoryCandidateIndex(), sleep=lambda _s: None)
    for i, outlet in enumerate(["red-post", "plain-times", "iron-courier"]):
        story_id = assign(article(outlet, BRIDGE[0] + f" ({outlet})", BRIDGE[1], hours=i), agg).story_id
    return stories.get(story_id)


@pytest.fixture
def bedrock():
    client = boto3.client("bedrock-runtime", region_name="us-east-1", aws_access_key_id="testing",
                          aws_secret_access_key="testing")  # noqa: S106
    with Stubber(client) as stubber:
        yield client, stubber
        stubber.assert_no_pending_responses()


def converse_response(text: str, stop: str = "end_turn") -> dict:
    return {
        "output": {"message": {"role": "assistant", "content": [{"text": text}]}},
        "stopReason": stop,
        "usage": {"inputTokens": 120, "outputTokens": 40, "totalTokens": 160},
        "metrics": {"latencyMs": 800},
    }


def test_extractive_summary_is_attributed_never_repeats_and_skips_datelines(story):
    member = next(iter(story.members.values()))
    dated = member.model_copy(update={"lead": "Published 8:15 AM PST, November 20, 2026 and other words here. "
                                              + member.lead})
    story = story.model_copy(update={"members": {**story.members, member.article_id: dated}})
    [summary] = ExtractiveSummarizer().analyse(story, story.ordered_members()).sections
    texts = [p.text for p in summary.paragraphs]
    assert texts and len(texts) == len(set(texts))
    assert all(p.outlet_id and p.outlet and p.url for p in summary.paragraphs)
    assert not any("8:15 AM" in t for t in texts)
    assert is_dateline("· 21 November 2026 · Housing") and not is_dateline("The council met on Friday.")


def test_bedrock_overview_is_an_extra_labelled_section_and_the_sourced_ones_stay(story, bedrock):
    client, stubber = bedrock
    summarizer = BedrockSummarizer(MODEL, guardrail_id="gr7abc", guardrail_version="3", client=client)
    extractive = ExtractiveSummarizer().analyse(story, story.ordered_members()).sections[0].paragraphs
    expected = {
        "modelId": MODEL,
        "system": [{"text": SYSTEM_PROMPT}],
        "messages": [{"role": "user", "content": [{"text": summarizer.prompt(story, extractive)}]}],
        "inferenceConfig": {"maxTokens": 300, "temperature": 0.0},
        "guardrailConfig": {"guardrailIdentifier": "gr7abc", "guardrailVersion": "3", "trace": "disabled"},
    }
    stubber.add_response("converse", converse_response(OVERVIEW), expected)
    doc = deep_dive(story, [], summarizer=summarizer)
    plain_doc = deep_dive(story, [])
    assert [s.id for s in doc.sections] == ["overview", *[s.id for s in plain_doc.sections]]
    assert doc.sections[0].paragraphs[0].text == OVERVIEW and doc.sections[0].paragraphs[0].outlet is None
    assert doc.generation.method == "generated" and doc.generation.model == MODEL
    assert doc.generation.guardrail == "gr7abc:3" and doc.generation.sections == ["overview"]
    # The sourced facts are exactly those of the extractive document.
    for field in ("summary", "bias", "sources", "source_count", "article_count", "labels", "read_time_minutes"):
        assert getattr(doc, field) == getattr(plain_doc, field), field
    assert doc.sections[1:] == plain_doc.sections


def test_the_prompt_holds_only_sourced_sentences_with_their_outlets(story):
    summarizer = BedrockSummarizer(MODEL, client=object())
    paragraphs = ExtractiveSummarizer().analyse(story, story.ordered_members()).sections[0].paragraphs
    prompt = summarizer.prompt(story, paragraphs)
    assert prompt.splitlines()[0] == f"Headline: {story.title}"
    assert prompt.splitlines()[2:] == [f"- {p.outlet}: {p.text}" for p in paragraphs]
    assert "guardrailConfig" not in summarizer.request(prompt)


@pytest.mark.parametrize(
    ("response", "reason"),
    [
        (converse_response("The council will vote again in 2027 on a 55,000-car bridge."),
         "numbers not in the sources"),
        (converse_response("Sorry, the guardrail blocked this.", stop="guardrail_intervened"), "guardrail_intervened"),
        (converse_response("The council postponed the", stop="max_tokens"), "max_tokens"),
        (converse_response("See https://example.org for **more**."), "link"),
    ],
)
def test_ungrounded_blocked_or_cut_generations_fall_back_to_the_extractive_analysis(story, bedrock, response, reason):
    client, stubber = bedrock
    stubber.add_response("converse", response)
    analysis = BedrockSummarizer(MODEL, client=client).analyse(story, story.ordered_members())
    assert [s.id for s in analysis.sections] == ["summary"]
    assert analysis.generation.method == "extractive" and reason in (analysis.fallback_reason or "")


def test_a_bedrock_error_publishes_the_extractive_analysis(story, bedrock):
    client, stubber = bedrock
    stubber.add_client_error("converse", service_error_code="ThrottlingException", http_status_code=429)
    doc = deep_dive(story, [], summarizer=BedrockSummarizer(MODEL, client=client))
    assert doc.generation.method == "extractive" and to_json(doc) == to_json(deep_dive(story, []))


def test_republishing_reuses_the_overview_without_calling_the_model(story, bedrock):
    client, stubber = bedrock
    stubber.add_response("converse", converse_response(OVERVIEW))
    stories, public = MemoryStoryRepository(), MemoryObjectStore()
    stories.stories[story.story_id] = story
    deps = Publisher(stories=stories, index=MemoryCandidateIndex(), public=public,
                     summarizer=BedrockSummarizer(MODEL, client=client))
    assert publish(story, deps).written == [f"deep-dives/{story.story_id}.json"]
    # No response is queued any more: a second call to the model would raise.
    again = publish(story, deps, rerender=True)  # a re-render (the settle), not just a redelivery
    assert not again.written and again.unchanged == 1 and not again.notes and not again.current
    doc = DeepDive.model_validate_json(public.get(f"deep-dives/{story.story_id}.json").body)
    assert doc.sections[0].paragraphs[0].text == OVERVIEW


def test_a_changed_story_asks_the_model_again(story, bedrock):
    client, stubber = bedrock
    summarizer = BedrockSummarizer(MODEL, client=client)
    stubber.add_response("converse", converse_response(OVERVIEW))
    first = deep_dive(story, [], summarizer=summarizer)
    member = next(iter(story.members.values()))
    changed = member.model_copy(update={"lead": "The Ostrava Bridge toll plan now waits for the traffic study of "
                                                "mayor Lidia Ferrante, officials said."})
    story = story.model_copy(update={"members": {**story.members, member.article_id: changed}})
    stubber.add_response("converse", converse_response("The Ostrava Bridge toll vote waits for a traffic study."))
    second = deep_dive(story, [], summarizer=summarizer, previous=first)
    assert second.generation.input_sha256 != first.generation.input_sha256
    assert second.sections[0].paragraphs[0].text.startswith("The Ostrava Bridge toll vote")


def test_summarizer_comes_from_configuration_and_bedrock_needs_a_model(monkeypatch):
    from pydantic import ValidationError

    from newsdive.runtime import settings as cfg

    assert isinstance(from_settings("extractive"), ExtractiveSummarizer)
    bedrock = from_settings("bedrock", model_id=MODEL, guardrail_id="gr1")
    assert isinstance(bedrock, BedrockSummarizer) and bedrock.guardrail == "gr1:DRAFT"
    with pytest.raises(ValueError, match="unknown summarizer"):
        from_settings("gpt")
    environment = {"STORIES_TABLE": "s", "INDEX_TABLE": "i", "PUBLIC_BUCKET": "pub", "SUMMARIZER": "bedrock"}
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("BEDROCK_MODEL_ID", raising=False)
    with pytest.raises(ValidationError, match="BEDROCK_MODEL_ID"):
        cfg.PublishSettings()
    monkeypatch.setenv("BEDROCK_MODEL_ID", MODEL)
    assert cfg.PublishSettings().summarizer == "bedrock"
    monkeypatch.setenv("SUMMARIZER", "extractive")
    assert json.loads(cfg.PublishSettings().model_dump_json())["distribution_id"] == ""
