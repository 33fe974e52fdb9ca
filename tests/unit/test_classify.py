from newsdive.classify import categorize, majority, regions, section_category


def test_publisher_section_wins_over_keywords():
    assert categorize("Team wins the cup final", "The striker scored twice.", section="Business") == "business"


def test_section_from_url_path():
    assert section_category(None, "http://www.example.org/sport/2026/11/20/final") == "sports"


def test_keywords_decide_without_a_section():
    assert categorize("Hospital patients wait as vaccine stocks run low", "Doctors and nurses said the clinic") == "health"
    assert categorize("Nothing in particular", "Some words here.") == "general"


def test_majority_breaks_ties_by_category_order():
    assert majority(["sports", "politics"]) == "politics"
    assert majority([]) == "general"


def test_regions_from_text_else_outlet_country():
    assert regions("Talks in Paris and Berlin; France says yes", source_country="US") == ["France", "Germany"]
    assert regions("Nowhere in particular", source_country="gb") == ["United Kingdom"]
    assert regions("Nowhere", source_country=None) == []
