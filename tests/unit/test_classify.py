from newsdive.classify import CATEGORIES, FALLBACK, TAXONOMY, categorize, majority, regions, section_category


def test_the_taxonomy_is_the_eight_fixed_categories_plus_a_fallback():
    assert TAXONOMY == ("world", "politics", "business", "technology", "science", "health", "sports",
                        "entertainment")
    assert (*TAXONOMY, FALLBACK) == CATEGORIES and FALLBACK not in TAXONOMY


def test_publisher_section_wins_over_keywords():
    assert categorize("Team wins the cup final", "The striker scored twice.", section="Business") == "business"


def test_section_from_url_path():
    assert section_category(None, "http://www.example.org/sport/2026/11/20/final") == "sports"
    assert section_category(None, "http://www.example.org/environment/2026/11/22/flood") == "science"
    assert section_category(None, "http://www.example.org/arts/2026/review") == "entertainment"


def test_keywords_decide_without_a_section():
    assert categorize("Hospital patients wait as vaccine stocks run low",
                      "Doctors and nurses said the clinic") == "health"
    assert categorize("Box office: the new film tops the charts", "The actress and director thanked fans.") == \
        "entertainment"
    assert categorize("Nothing in particular", "Some words here.") == FALLBACK


def test_an_article_naming_a_foreign_country_and_nothing_else_is_world():
    assert categorize("Quiet day in Peru", "Nothing much happened in Lima.", source_country="GB") == "world"
    assert categorize("Quiet day in Britain", "Nothing much happened.", source_country="GB") == FALLBACK


def test_majority_breaks_ties_by_category_order_and_ignores_the_fallback():
    assert majority(["sports", "politics"]) == "politics"
    assert majority(["general", "general", "sports"]) == "sports"
    assert majority(["general"]) == FALLBACK
    assert majority([]) == FALLBACK


def test_regions_from_text_else_outlet_country():
    assert regions("Talks in Paris and Berlin; France says yes", source_country="US") == ["France", "Germany"]
    assert regions("Nowhere in particular", source_country="gb") == ["United Kingdom"]
    assert regions("Nowhere", source_country=None) == []


def test_the_primary_region_is_the_most_named_with_title_mentions_counting_more():
    body = "Canadian officials met Mexican officials. Mexico said the talks went well."
    assert regions(body, title="Canada signs border deal")[:2] == ["Canada", "Mexico"]
    assert regions(body)[:2] == ["Mexico", "Canada"]
    assert regions("Kenya and Uganda agree.")[:2] == ["Kenya", "Uganda"]  # a tie: the first named


def test_demonyms_and_capitals_count_but_lower_case_words_do_not():
    assert regions("Ukrainian and Polish ministers met in Kyiv") == ["Ukraine", "Poland"]
    assert regions("They carved the turkey and chatted about china plates") == []
