"""The brief candidate scoring reads (moto server, infra/template.yaml): one projected read, everything it needs."""

from __future__ import annotations

from datetime import UTC, datetime

from newsdive.model.sources import Bias
from newsdive.model.story import Member, StoryRecord, with_member
from newsdive.storage.aws import DynamoStoryRepository

T0 = datetime(2026, 11, 23, 6, 0, tzinfo=UTC)


def test_a_brief_carries_centroid_times_and_the_named_weekdays():
    from newsdive.aggregate.bias import BlindspotRule
    from newsdive_tools.local.runner import local_stack

    with local_stack() as (deployed, session):
        ddb = session.client("dynamodb", endpoint_url=deployed.endpoint_url, region_name=deployed.region)
        repository = DynamoStoryRepository(deployed.functions["aggregate"].environment["STORIES_TABLE"], ddb)
        member = Member(article_id="a1", outlet_id="plain-times", outlet="Plain Times", bias=Bias.CENTER,
                        title="Council votes", url="https://plain-times.example/a1", published_at=T0,
                        lead="The council voted on Tuesday and again on Friday.", vector={"council": 1.0},
                        weekdays=[1, 4])
        plain = member.model_copy(update={"article_id": "b1", "weekdays": []})
        repository.save(with_member(StoryRecord(story_id="a1"), member, BlindspotRule()), expected_version=None)
        repository.save(with_member(StoryRecord(story_id="b1"), plain, BlindspotRule()), expected_version=None)

        briefs = repository.get_briefs(["a1", "b1"])
        assert briefs["a1"].weekdays == (1, 4) and briefs["b1"].weekdays == ()
        assert briefs["a1"].centroid == {"council": 1.0} and briefs["a1"].published_at == T0.isoformat()
        assert repository.get("a1").weekdays == [1, 4]
