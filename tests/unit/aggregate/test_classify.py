from newsdive.aggregate.classify import (
    CATEGORIES,
    FALLBACK,
    TAXONOMY,
    categorize,
    keyword_scores,
    majority,
    regions,
    section_category,
)


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


# --- every language: keywords only in their own language, sections across languages, regions from CLDR --------


def test_german_text_gets_german_keywords_and_never_english_ones():
    # "war" is German for "was": it must not vote `world` as the English word would
    assert categorize("Ein ruhiger Tag", "Es war ein langer Abend, und es war spät.", language="de") == FALLBACK
    assert categorize("Bundestag stimmt über das Gesetz ab", "Die Koalition und die Opposition streiten.",
                      language="de") == "politics"
    assert categorize("Der Trainer lobt die Mannschaft", "Nach dem Sieg in der Bundesliga jubelten die Spieler.",
                      language="de") == "sports"
    # a compound ends with a keyword: Landtagswahl, Fußballtrainer
    assert categorize("Landtagswahlen im Herbst", "", language="de-AT") == "politics"


def test_french_spanish_and_italian_keywords():
    assert categorize("La Bourse de Paris recule", "Les investisseurs craignent l'inflation et la banque centrale.",
                      language="fr") == "business"
    assert categorize("El hospital vacuna a los pacientes", "Los médicos temen una epidemia de gripe.",
                      language="es") == "health"
    assert categorize("Il nuovo film del regista", "L'attrice e il cantante al festival del cinema.",
                      language="it") == "entertainment"


def test_chinese_japanese_and_korean_keywords_as_substrings():
    assert categorize("科学家发现新的行星", "研究人员用望远镜观测到这颗行星。", language="zh") == "science"
    assert categorize("日銀が金利を据え置き", "市場では株価が上昇した。", language="ja") == "business"
    assert categorize("축구 대표팀 감독 선임", "선수들은 월드컵 결승을 준비한다.", language="ko") == "sports"


def test_a_language_without_keyword_data_gets_no_keyword_verdict():
    # Danish has no keyword data: English words in it ("film", "match") decide nothing; the section still does
    assert categorize("Ny film om match", "En film om en match.", language="da") == FALLBACK
    assert categorize("Ny film", "En film.", language="da", url="https://avis.example/sport/a/1") == "sports"
    assert categorize("Ny film", "En film.", language="da", source_country="DK",
                      url="https://avis.example/nyheder/a/1") == FALLBACK


def test_swedish_dutch_polish_turkish_and_vietnamese_keywords():
    assert categorize("Riksdagen röstar om regeringens förslag", "", language="sv") == "politics"
    assert categorize("Het ziekenhuis zoekt artsen", "Patiënten wachten op behandeling.", language="nl") == "health"
    assert categorize("Trener chwali drużynę po meczu", "Piłkarze wygrali finał.", language="pl") == "sports"
    assert categorize("Borsa güne yükselişle başladı", "Yatırımcılar faiz kararını bekliyor.",
                      language="tr") == "business"
    assert categorize("Bệnh viện tiếp nhận bệnh nhân", "Các bác sĩ điều trị ung thư.", language="vi") == "health"


def test_section_names_in_many_languages():
    cases = {
        "https://zeitung.example/politik/ausland/a-1": "politics",
        "https://zeitung.example/wirtschaft/unternehmen/a-2": "business",
        "https://journal.example/economie/article/3": "business",
        "https://diario.example/internacional/2024-10-15/x.html": "world",
        "https://diario.example/deportes/formula-1/x.html": "sports",
        "https://giornale.example/cronaca/x": None,
        "https://sports.portal.example/story/1": "sports",
        "https://news.example/%E5%9B%BD%E9%99%85/1.html": "world",  # 国际 percent-encoded
    }
    for url, expected in cases.items():
        assert section_category(None, url) == expected, url
    assert section_category("Économie") == "business"
    assert section_category("国际新闻") == "world"
    assert section_category("経済・金融") == "business"
    assert section_category("스포츠") == "sports"
    assert section_category("Gesellschaft") is None


def test_regions_from_country_names_in_the_article_language():
    assert regions("Russland und Frankreich verhandeln; Niemcy nicht.", language="de") == ["Russia", "France"]
    assert regions("Niemcy i Rosja rozmawiają.", language="pl") == ["Germany", "Russia"]
    assert regions("La France et l'Allemagne signent un accord.", language="fr") == ["France", "Germany"]
    assert regions("España y México firman un acuerdo.", language="es") == ["Spain", "Mexico"]
    assert regions("中国和日本举行会谈。", language="zh") == ["China", "Japan"]
    assert regions("日本とドイツの首脳が会談した。", language="ja") == ["Japan", "Germany"]


def test_inflected_names_and_capitals_in_the_language():
    # German genitive, Russian cases (Snowball stems), Turkish suffix after an apostrophe
    assert regions("Die Politik Russlands und Frankreichs", language="de") == ["Russia", "France"]
    assert regions("Переговоры России и Германии", language="ru") == ["Russia", "Germany"]
    assert regions("Türkiye'de ve Almanya'da seçim", language="tr") == ["Türkiye", "Germany"]
    # capitals as CLDR names them in the language
    assert regions("Gespräche in Moskau", language="de") == ["Russia"]
    assert regions("モスクワで会談", language="ja") == ["Russia"]
    assert regions("Reunión en Varsovia", language="es") == ["Poland"]


def test_english_country_names_do_not_match_in_other_languages_and_words_are_not_places():
    # a German text does not get English demonyms read into it, and capitalised common words are no places
    assert regions("Die Regierung war gestern in Zürich.", language="de") == ["Switzerland"]
    assert regions("Die Reunión in Madrid war eine Reunión.", language="es") == ["Spain"]  # a meeting, no island
    assert regions("Der Bundestag tagt.", language="de") == []
    assert regions("Michael Jordan and Chad met in Georgia") == []


def test_the_world_fallback_uses_the_article_language():
    assert categorize("Ruhiger Tag in Peru", "In Lima passierte nichts.", language="de",
                      source_country="DE") == "world"
    assert categorize("Ruhiger Tag in Deutschland", "Nichts passierte.", language="de",
                      source_country="DE") == FALLBACK


def test_short_keywords_whose_stem_is_a_particle_and_hyphenated_words():
    # Russian "ИИ" (AI) stems to "и" (and): it must not make every Russian text technology
    assert categorize("Путин и премьер-министр встретились", "Президент и премьер говорили о законе.",
                      language="ru") == "politics"
    assert keyword_scores("и и и и", "ru") == {}
    assert keyword_scores("Le premier-ministre parle", "fr")["politics"] == 1


def test_a_language_wordfreq_does_not_know_is_not_read_with_english_frequencies():
    from newsdive.aggregate.classify import _common_word

    assert _common_word("Jersey", "JE", "en")  # an everyday English word, and a small place
    assert not _common_word("Jersey", "JE", "zu")  # wordfreq has no isiZulu: no English frequencies instead
    assert not _common_word("Deutschland", "DE", "de")  # a large place keeps its name
    assert categorize("Izindaba zanamuhla", "Amaphoyisa athi.", language="zu") == FALLBACK  # no keyword data


def test_words_whose_stems_are_short_or_shared_count_only_as_written():
    # French "coupe" (cup) stems to "coup": a coup d'État is no sports story
    assert keyword_scores("Un coup de théâtre", "fr").get("sports", 0) == 0
    assert keyword_scores("La coupe du monde", "fr")["sports"] == 1
    # Italian "partito" (party) and "partita" (match) share a stem: each counts for its own category
    scores = keyword_scores("Il partito vince la partita", "it")
    assert scores["politics"] == 1 and scores["sports"] == 1
    # English plurals and possessives still match: "Feds", "ECB's", "wars"
    assert keyword_scores("The ECB's president", "en")["business"] == 1


def test_every_keyword_language_has_words_for_every_category():
    from newsdive.aggregate.classify import KEYWORD_LANGUAGES, _data

    keywords = _data()["keywords"]
    assert set(keywords) == set(KEYWORD_LANGUAGES)
    for language, table in keywords.items():
        assert set(table) == set(TAXONOMY), language
        assert all(len(words) >= 10 for words in table.values()), language


def test_cjk_words_that_are_also_parts_of_other_words_are_left_out():
    # Korean 전당대회 (party convention) holds 대회 (tournament); 금융감독원 holds 감독 (coach)
    assert categorize("더불어민주당 전당대회 후보 등록", "최고위원 후보들이 등록했다.", language="ko") == "politics"
    assert categorize("金融庁の監督強化", "銀行の経営に影響", language="ja") == "business"


def test_ukrainian_keywords_match_as_written_in_their_common_forms():
    # No Snowball stemmer for Ukrainian: the data list the forms headlines use (вибори, виборів, виборах)
    assert categorize("Верховна Рада ухвалила законопроєкт про місцеві вибори",
                      "Депутати проголосували після довгої дискусії.", language="uk") == "politics"
    assert categorize("Збірна Вербенська виграла матч", "Тренер похвалив гравців після гри.",
                      language="uk") == "sports"
    assert categorize("У лікарні Зеленодольська нове відділення", "Пацієнти чекають на лікування.",
                      language="uk") == "health"
    assert categorize("Інфляція сповільнилася", "Банки знизили ціни на кредити для бізнесу.",
                      language="uk") == "business"
    assert categorize("Новий фільм Оксани Вербицької покажуть на фестивалі", "Режисерка працювала над ним три роки.",
                      language="uk") == "entertainment"
    assert categorize("Хакери зламали застосунок міста", "Кібератака тривала дві години.",
                      language="uk") == "technology"
    # the apostrophe in "здоров'я" is written three ways; all count
    for text in ("здоров'я", "здоров’я", "здоровʼя"):
        assert keyword_scores(text, "uk") == {"health": 1}, text
    # "прем'єр-міністр" is politics, "прем'єра" (a première) entertainment
    assert keyword_scores("прем'єр-міністр", "uk") == {"politics": 1}
    assert keyword_scores("прем'єра", "uk") == {"entertainment": 1}


def test_arabic_keywords_with_and_without_the_article():
    assert keyword_scores("انتخابات", "ar") == {"politics": 1}
    assert keyword_scores("الانتخابات", "ar") == {"politics": 1}
    # "and" written onto the word: tried off a word that matched nothing, never off one that did ("وزير", minister)
    assert keyword_scores("والانتخابات", "ar") == {"politics": 1}
    assert keyword_scores("والحرب", "ar") == {"world": 1}
    assert keyword_scores("وزير", "ar") == {"politics": 1}
    assert keyword_scores("وطن", "ar") == {}
    assert categorize("البرلمان يصوت على قانون الانتخابات الجديد", "وقال النواب إن التصويت سيجري الأسبوع المقبل.",
                      language="ar") == "politics"
    assert categorize("الفريق يفوز في الدوري", "وقال المدرب إن اللاعبين قدموا موسما رائعا.",
                      language="ar") == "sports"
    assert categorize("المستشفى يستقبل مرضى الفيروس", "الأطباء يحذرون من العدوى في مدينة الوادي الأخضر.",
                      language="ar") == "health"
    assert categorize("البورصة ترتفع مع تراجع التضخم", "المستثمرين ينتظرون قرار البنك المركزي.",
                      language="ar") == "business"
    assert categorize("مهرجان الفيلم القصير يفتتح دورته", "يعرض المهرجان أفلام مخرجين شباب.",
                      language="ar") == "entertainment"


def test_hindi_keywords_keep_their_vowel_signs():
    # Python's \w leaves out Devanagari vowel signs: a word must not break at them ("राजनीति", not "र", "जन", "त")
    assert keyword_scores("सरकार", "hi") == {"politics": 1}
    assert categorize("विधानसभा चुनाव में विपक्ष ने सरकार को घेरा", "मतदान अगले महीने होगा।",
                      language="hi") == "politics"
    assert categorize("कप्तान के शतक से मैच जीता", "गेंदबाज ने भी चार विकेट लिए।", language="hi") == "sports"
    assert categorize("अस्पताल में मरीजों की भीड़", "डॉक्टरों ने इलाज के लिए नया वार्ड खोला।",
                      language="hi") == "health"
    assert categorize("शेयर बाजार में तेजी", "निवेशकों को महंगाई के आंकड़ों का इंतजार है।", language="hi") == "business"
    assert categorize("इसरो का नया उपग्रह", "वैज्ञानिकों ने अंतरिक्ष से पहली तस्वीरें भेजीं।", language="hi") == "science"


def test_ukrainian_arabic_and_hindi_texts_that_name_nothing_are_general_and_english_words_decide_nothing():
    quiet = {
        "uk": ("Тихий день у Зеленодольську", "Мешканці гуляли в парку біля річки."),
        "ar": ("يوم هادئ في مدينة الوادي الأخضر", "خرج السكان للتنزه في الحديقة."),
        "hi": ("रामपुरा गांव में मेले का दिन", "लोग सुबह से घूमने आए।"),
    }
    for language, (title, lead) in quiet.items():
        assert categorize(title, lead, language=language) == FALLBACK, language
        assert categorize("Election match: football film", "The government and the hospital.",
                          language=language) == FALLBACK, language


def test_ukrainian_arabic_and_hindi_section_names():
    assert section_category("Політика") == "politics"
    assert section_category("Світ") == "world"
    assert section_category("Економіка") == "business"
    assert section_category("سياسة") == "politics"
    assert section_category("عربي ودولي") == "world"
    assert section_category("الرياضة") == "sports"
    assert section_category("राजनीति") == "politics"
    assert section_category("खेल") == "sports"
    assert section_category("विदेश") == "world"
    assert section_category(None, "https://akhbar.example/%D8%B1%D9%8A%D8%A7%D8%B6%D8%A9/1") == "sports"  # رياضة
    assert section_category("देश-विदेश") is None  # two categories: no verdict
