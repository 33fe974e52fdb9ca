"""Term vectors and the candidate scoring rules of story assignment."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from newsdive.aggregate.cluster.assign import AssignConfig, _Scored, choose_story, damped, join_threshold, recency
from newsdive.aggregate.cluster.features import cosine, stem, term_vector, tokens
from newsdive.model.story import StoryRecord
from newsdive.storage.memory import MemoryCandidateIndex, MemoryStoryRepository
from newsdive.storage.ports import StoryBrief

T0 = datetime(2026, 11, 21, 9, 0, tzinfo=UTC)


def test_inflections_share_one_term():
    assert stem("tapering") == stem("taper") == stem("tapered")
    a = term_vector("Fed hints at tapering", "")
    b = term_vector("Fed hints it will taper", "")
    assert cosine(a, b) > 0.6


def test_hyphenated_compounds_are_split():
    terms = {t for t, _ in tokens("China condemns US-UK-Australia submarine pact")}
    assert {"us", "uk", "australia"} <= terms
    assert "us-uk-australia" not in terms


def test_title_case_headline_marks_no_names_but_a_sentence_does():
    assert not any(is_name for _, is_name in tokens("Council Delays The Bridge Vote Again"))
    assert dict(tokens("The council asked Lidia Ferrante to wait."))["ferrante"]
    title_case = term_vector("Council Delays The Bridge Vote Again", "")
    assert title_case == term_vector("council delays the bridge vote again", "")


def test_numbers_keep_their_digits_and_single_digits_are_dropped():
    terms = [t for t, _ in tokens("41,000 cars and 7 buses")]
    assert "41000" in terms and "7" not in terms


def test_a_term_many_stories_are_posted_under_is_damped():
    vector = {"vaccine": 0.6, "walensky": 0.8}
    postings = {"2026-11-21#vaccine": {f"s{i}" for i in range(30)}, "2026-11-21#walensky": {"s1"}}
    out = damped(vector, postings, AssignConfig(df_damping=10))
    assert out["walensky"] / out["vaccine"] > 0.8 / 0.6 * 3


def test_time_factor_is_flat_then_decays():
    config = AssignConfig(flat_hours=6, decay_hours=12)
    assert recency(0, config) == recency(6, config) == 1.0
    assert 0.36 < recency(18, config) < 0.37  # e^-1


def _scored(story_id: str, score: float, gap: float, similarity: float | None = None) -> _Scored:
    return _Scored(story_id, score, score if similarity is None else similarity, gap, StoryBrief(centroid={"x": 1.0}))


def test_short_texts_need_less_similarity_than_full_articles():
    config = AssignConfig(threshold=0.44, threshold_short=0.19, threshold_low=0.2, short_text_terms=20)
    rival = [_scored("r", 0.3, gap=1)]  # a recent rival: time does not help
    assert join_threshold(40, _scored("b", 0.5, gap=0), rival, config) == 0.44
    assert join_threshold(7, _scored("b", 0.5, gap=0), rival, config) == 0.19


def test_old_rivals_lower_the_threshold_and_recent_rivals_do_not():
    config = AssignConfig(threshold=0.44, threshold_low=0.2, recent_hours=12)
    best = _scored("b", 0.3, gap=1)
    assert join_threshold(40, best, [_scored("old", 0.2, gap=48)], config) == 0.2
    assert join_threshold(40, best, [_scored("now", 0.2, gap=2)], config) == 0.44
    half = join_threshold(40, best, [_scored("old", 0.2, gap=48), _scored("now", 0.2, gap=2)], config)
    assert abs(half - 0.32) < 1e-9
    assert join_threshold(40, best, [], config) == 0.2  # nothing else comes close
    assert join_threshold(40, _scored("b", 0.3, gap=30), [], config) == 0.44  # the best itself is old


def test_a_full_article_far_ahead_of_the_runner_up_needs_less_and_one_of_several_look_alikes_needs_more():
    config = AssignConfig(threshold=0.44, distinct_ratio=0.4, distinct_factor=0.8, crowded_ratio=0.8,
                          crowded_factor=1.2)
    best = _scored("b", 0.4, gap=1)
    alone = join_threshold(40, best, [_scored("r", 0.1, gap=1)], config)  # the runner-up has a quarter of it
    middle = join_threshold(40, best, [_scored("r", 0.24, gap=1)], config)
    crowded = join_threshold(40, best, [_scored("r", 0.36, gap=1), _scored("q", 0.1, gap=1)], config)
    assert abs(alone - 0.352) < 1e-9 and middle == 0.44 and abs(crowded - 0.528) < 1e-9
    # a headline keeps the plain threshold: a few terms make the ratio noisy
    assert join_threshold(7, best, [_scored("r", 0.1, gap=1)], config) == config.threshold_short


LONG_BRIDGE = (
    "Kestrel Bay council delays the Ostrava Bridge toll vote",
    "The Kestrel Bay council postponed its vote on the Ostrava Bridge toll plan after mayor Lidia Ferrante asked for "
    "a new traffic study of the bridge and its 41,000 daily cars. Ferry operators welcomed the delay, hauliers "
    "warned of queues at the harbour approach, and cyclists petitioned for a protected lane.",
)


def test_the_best_story_needs_less_when_nothing_else_resembles_the_article_and_more_beside_a_look_alike():
    """Through choose_story: the same best story, once beside an unrelated story, once beside a near twin."""
    article = term_vector(*LONG_BRIDGE)
    config = AssignConfig(link_members=0)  # centroids only: this test is about the threshold
    best = ("Ostrava Bridge toll vote put off", "Councillors in Kestrel Bay put off the Ostrava Bridge toll decision "
            "until engineers finish counting traffic; the ferry operators and hauliers are waiting, and cyclists "
            "want a lane.")
    unrelated = ("Harbour festival approved by the council", "The council approved the summer harbour festival, "
                 "with fireworks, food stalls and a regatta along the quay for families.")
    twin = ("Ostrava Bridge repainting postponed", "Repainting the Ostrava Bridge in Kestrel Bay was postponed after "
            "mayor Lidia Ferrante asked for a study of the paint; hauliers warned of queues.")
    decisions = []
    for rival in (unrelated, twin):
        repo, index = MemoryStoryRepository(), MemoryCandidateIndex()
        _store(repo, index, "best", best, T0)
        _store(repo, index, "rival", rival, T0)
        decisions.append(choose_story(article, T0 + timedelta(hours=1), index=index, stories=repo, config=config))
    distinct, crowded = decisions
    assert len(article) >= config.short_text_terms  # a full-length article
    assert distinct.story_id == crowded.story_id == "best"
    assert distinct.threshold == round(config.threshold * config.distinct_factor, 4)
    assert crowded.threshold == round(config.threshold * config.crowded_factor, 4)


def _store(repo: MemoryStoryRepository, index: MemoryCandidateIndex, story_id: str, text: tuple[str, str],
           first: datetime, last: datetime | None = None) -> None:
    centroid = term_vector(*text)
    repo.stories[story_id] = StoryRecord(story_id=story_id, version=1, centroid=centroid, published_at=first,
                                         updated_at=last or first)
    day = (last or first).strftime("%Y-%m-%d")
    index.post([f"{day}#{t}" for t in centroid], story_id, ttl_seconds=86400, now=first.timestamp())


BRIDGE = ("Kestrel Bay council delays the Ostrava Bridge toll vote",
          "The Kestrel Bay council postponed its vote on the Ostrava Bridge toll plan after mayor Lidia Ferrante "
          "asked for a new traffic study of the bridge and its 41,000 daily cars.")


def test_a_story_stops_accepting_articles_after_its_window():
    repo, index = MemoryStoryRepository(), MemoryCandidateIndex()
    config = AssignConfig(window_hours=72)
    _store(repo, index, "young", BRIDGE, first=T0, last=T0 + timedelta(hours=70))
    vector = term_vector(*BRIDGE)
    assert choose_story(vector, T0 + timedelta(hours=71), index=index, stories=repo, config=config).story_id == "young"
    late = choose_story(vector, T0 + timedelta(hours=75), index=index, stories=repo, config=config)
    assert late.story_id is None  # updated 5 hours ago, but its first article is 75 hours old


def test_a_merged_away_story_is_never_a_candidate():
    repo, index = MemoryStoryRepository(), MemoryCandidateIndex()
    _store(repo, index, "gone", BRIDGE, first=T0)
    repo.stories["gone"] = repo.stories["gone"].model_copy(update={"merged_into": "kept"})
    decision = choose_story(term_vector(*BRIDGE), T0, index=index, stories=repo, config=AssignConfig())
    assert decision.story_id is None


def test_an_article_close_to_two_similar_stories_asks_to_merge_them():
    repo, index = MemoryStoryRepository(), MemoryCandidateIndex()
    config = AssignConfig(threshold=0.3, threshold_short=0.3, threshold_low=0.3, merge_similarity=0.05)
    _store(repo, index, "council", ("Council delays Ostrava Bridge toll vote",
                                    "Mayor Lidia Ferrante asked the council for a traffic study first."), first=T0)
    _store(repo, index, "drivers", ("Drivers angry over Ostrava Bridge toll delay",
                                    "Commuters crossing the bridge said the toll delay keeps the queues."), first=T0)
    bridging = term_vector("Ostrava Bridge toll vote delayed as drivers and council wait",
                           "Mayor Lidia Ferrante delayed the toll vote; commuters on the bridge said the queues "
                           "stay while the council waits for a traffic study.")
    decision = choose_story(bridging, T0 + timedelta(hours=2), index=index, stories=repo, config=config)
    assert {decision.story_id, decision.merge} == {"council", "drivers"}


def test_lookup_cost_does_not_depend_on_unrelated_stories():
    repo, index = MemoryStoryRepository(), MemoryCandidateIndex()
    for i in range(200):
        _store(repo, index, f"other{i}", (f"Topic{i} item{i}", f"Words{i} about thing{i}."), first=T0)
    _store(repo, index, "bridge", BRIDGE, first=T0)
    before = repo.ops["read"] + index.ops["read"]
    decision = choose_story(term_vector(*BRIDGE), T0, index=index, stories=repo, config=AssignConfig())
    assert decision.story_id == "bridge" and decision.candidates <= AssignConfig().max_candidates
    assert repo.ops["read"] + index.ops["read"] - before == 2  # one index read, one batched brief read


def test_names_weigh_more_in_a_headline_but_not_in_a_full_text():
    headline = term_vector("Crews rescue Anouk Brandt from the flooded Velmar quarry", "")
    assert headline != term_vector("Crews rescue anouk brandt from the flooded velmar quarry", "")
    assert headline["brandt"] > term_vector("Crews rescue anouk brandt from the flooded velmar quarry", "")["brandt"]
    body = ("Rescue crews pulled the climber out of the flooded quarry late on the evening after a long search. "
            "Anouk Brandt had been stranded on a narrow ledge above cold water while rain kept falling. "
            "Firefighters lowered ropes, paramedics treated her for hypothermia, and the quarry stays closed.")
    title = "Climber rescued from flooded quarry"
    assert term_vector(title, body) == term_vector(title, body.replace("Anouk Brandt", "anouk brandt"))


PORT = [("Dockers at Velmar harbour walk out over crane safety",
         "Crane operators at Velmar harbour stopped work on Tuesday after a cable snapped on a container crane. "
         "Their union says the harbour authority ignored inspection reports for two years and wants every crane "
         "checked before loading resumes; ships are queueing outside the breakwater."),
        ("Velmar harbour strike leaves container ships waiting",
         "Container ships are anchored outside Velmar harbour as the crane operators' strike enters its second day. "
         "The union demands independent crane inspections after a snapped cable, and the harbour authority says "
         "loading will resume once engineers have examined the cranes.")]
ORCHARD = ("Frost ruins the plum harvest in the Ostrel valley",
           "Growers in the Ostrel valley lost most of their plum crop to three nights of hard frost in April. "
           "Cooperatives estimate that the orchards will deliver a fifth of a normal harvest, and jam makers are "
           "already buying fruit from abroad at twice last year's price.")


def _store_members(repo: MemoryStoryRepository, index: MemoryCandidateIndex, story_id: str,
                   texts: list[tuple[str, str]], when: datetime) -> None:
    from newsdive.aggregate.cluster.features import merged
    from newsdive.model.sources import Bias
    from newsdive.model.story import Member

    members = {f"{story_id}-{n}": Member(article_id=f"{story_id}-{n}", outlet_id="o", outlet="O",
                                         bias=Bias.UNRATED, title=title, url=f"https://o.invalid/{story_id}/{n}",
                                         published_at=when, vector=term_vector(title, body))
               for n, (title, body) in enumerate(texts)}
    centroid = merged((m.vector for m in members.values()), 60)
    repo.stories[story_id] = StoryRecord(story_id=story_id, version=1, members=members, centroid=centroid,
                                         published_at=when, updated_at=when)
    index.post([f"{when:%Y-%m-%d}#{t}" for t in centroid], story_id, ttl_seconds=86400, now=when.timestamp())


def test_a_full_article_must_match_every_member_of_a_small_story_not_just_its_centroid():
    repo, index = MemoryStoryRepository(), MemoryCandidateIndex()
    _store_members(repo, index, "mixed", [PORT[0], ORCHARD], T0)  # two events wrongly in one story
    article = term_vector(*PORT[1])
    centroid_only = AssignConfig(link_candidates=0)
    assert choose_story(article, T0, index=index, stories=repo, config=centroid_only).story_id == "mixed"
    assert choose_story(article, T0, index=index, stories=repo, config=AssignConfig()).story_id is None

    repo, index = MemoryStoryRepository(), MemoryCandidateIndex()
    _store_members(repo, index, "port", [PORT[0]], T0)
    assert choose_story(article, T0, index=index, stories=repo, config=AssignConfig()).story_id == "port"


def test_member_links_cost_one_batched_story_read_and_a_headline_none():
    repo, index = MemoryStoryRepository(), MemoryCandidateIndex()
    for i in range(20):
        _store_members(repo, index, f"port{i}", [PORT[i % 2]], T0)
    config = AssignConfig()
    before = repo.ops["read"] + index.ops["read"]
    choose_story(term_vector(*PORT[1]), T0, index=index, stories=repo, config=config)
    assert repo.ops["read"] + index.ops["read"] - before == 2 + 1  # lookup, briefs, the candidates in one read
    before = repo.ops["read"] + index.ops["read"]
    choose_story(term_vector(PORT[1][0], ""), T0, index=index, stories=repo, config=config)
    assert repo.ops["read"] + index.ops["read"] - before == 2


def test_index_day_keys_are_utc_whatever_offset_the_outlet_dates_with():
    """Just after midnight in Karachi is still the previous day in UTC: posting, lookup and the related-story
    filter (`publish.story_days`) must all name the same day, or a story is missed until the settle re-posts it."""
    from datetime import timezone

    from newsdive.aggregate.cluster.assign import lookup_keys, posting_keys
    from newsdive.publish.stage import story_days

    karachi = datetime(2026, 3, 2, 0, 30, tzinfo=timezone(timedelta(hours=5)))  # 2026-03-01 19:30 UTC
    config = AssignConfig()
    vector = {"quake": 0.8, "karachi": 0.6}
    assert posting_keys(vector, karachi, config) == ["2026-03-01#quake", "2026-03-01#karachi"]
    assert "2026-03-01#quake" in lookup_keys(vector, karachi, config)
    assert story_days(karachi, karachi) == {"2026-03-01"} == story_days(karachi.isoformat(), None)
    assert story_days(None, None) == set()
