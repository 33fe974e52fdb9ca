"""Key players and slugs in many languages: the rules of each text's own language, or nothing.

The texts are our own, written for these tests (invented events; public figures' names only as names).
"""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest

from newsdive.model.sources import Bias
from newsdive.model.story import Member, StoryRecord
from newsdive.publish.key_players import key_players, name_language
from newsdive.publish.render import slugify


def _member(i: int, title: str, lead: str, language: str | None) -> Member:
    return Member(article_id=f"a{i}", outlet_id=f"o{i}", outlet=f"Outlet {i}", bias=Bias.CENTER, title=title,
                  url=f"https://o{i}.example/{i}", lead=lead, published_at=datetime(2026, 11, 20, i, tzinfo=UTC),
                  language=language)


def players(language: str | None, *articles: tuple[str, str]) -> list[str]:
    members = [_member(i, title, lead, language) for i, (title, lead) in enumerate(articles, start=1)]
    story = StoryRecord(story_id="s1", members={m.article_id: m for m in members})
    return [p.name for p in key_players(story, members)]


GERMAN = [
    ("Scholz verteidigt den Haushalt im Bundestag",
     "BERLIN (dpa) – Bundeskanzler Olaf Scholz hat den Haushaltsentwurf gegen die Kritik der Opposition "
     "verteidigt. Nach der Beweisaufnahme im Ausschuss sagte Scholz, die Unterschriften lägen vor. Die "
     "Regierung wolle die Pläne noch vor dem Sommer beschließen."),
    ("Opposition kritisiert Haushaltspläne",
     "Die Fraktionschefin Annalena Baerbock widersprach dem Kanzler. Manche Menschen in Berlin fürchten "
     "höhere Preise. Baerbock forderte eine neue Beweisaufnahme, Präsident Frank-Walter Steinmeier schwieg."),
]


def test_german_nouns_titles_and_datelines_are_not_key_players_while_the_people_are():
    names = players("de-DE", *GERMAN)
    assert "Olaf Scholz" in names and "Annalena Baerbock" in names
    assert not {"Beweisaufnahme", "Nach", "Unterschriften", "Regierung", "Bundeskanzler Olaf Scholz", "Berlin",
                "BERLIN", "Manche Menschen", "Präsident", "Kanzler"} & set(names)


def test_french_lowercase_titles_elision_and_places():
    names = players(
        "fr",
        ("Le président Emmanuel Macron reçoit la CGT",
         "PARIS – Selon l'Élysée, le président Emmanuel Macron recevra jeudi Sophie Binet. La secrétaire "
         "générale de la CGT veut parler des salaires. Macron a promis une réponse."),
        ("Sophie Binet met en garde d'Emmanuel Macron",
         "Sophie Binet, qui dirige la CGT, a rencontré des ministres à Paris. La Russie et la France ont aussi "
         "discuté à Moscou, selon la presse."),
    )
    assert {"Emmanuel Macron", "Sophie Binet", "CGT"} <= set(names)
    assert not {"Selon", "PARIS", "Paris", "Russie", "Moscou", "Le", "La"} & set(names)


def test_spanish_capitalised_institution_words_and_cities_are_not_players():
    names = players(
        "es",
        ("Pedro Sánchez anuncia un plan de vivienda",
         "El presidente del Gobierno, Pedro Sánchez, presentó en Madrid un plan de vivienda. Según Sánchez, "
         "la Comisión Europea apoyará la medida."),
        ("La oposición critica el plan de Sánchez",
         "Madrid acoge el debate. Alberto Núñez Feijóo pidió más detalles a Pedro Sánchez en el Congreso."),
    )
    assert names[0] == "Pedro Sánchez"
    assert not {"Madrid", "Según", "El", "La"} & set(names)


def test_russian_inflected_forms_count_together_and_places_in_russian_are_not_players():
    names = players(
        "ru",
        ("Путин провёл переговоры в Москве",
         "Президент России Владимир Путин провёл переговоры в Москве. Впрочем, итоги встречи Путина с "
         "делегацией не раскрываются."),
        ("Кремль прокомментировал встречу",
         "Пресс-секретарь Путину не возражал. Москва ждёт ответа."),
    )
    assert names and names[0] == "Владимир Путин"
    assert not {"Впрочем", "Москве", "Москва", "России"} & set(names)


def test_turkish_apostrophe_suffixes_end_a_name_and_countries_in_turkish_are_not_players():
    names = players(
        "tr",
        ("Erdoğan'ın açıklaması Türkiye'de yankı uyandırdı",
         "Cumhurbaşkanı Recep Tayyip Erdoğan, Ankara'da konuştu. Erdoğan'ın sözleri Türkiye'de tartışıldı."),
    )
    assert "Recep Tayyip Erdoğan" in names
    assert not {"Türkiye'de", "Türkiye", "Ankara'da", "Ankara"} & set(names)


def test_polish_inflected_country_is_not_a_player():
    names = players(
        "pl",
        ("Rozmowy w Pakistanie", "Donald Tusk rozmawiał o sytuacji w Pakistanie. Tusk dodał, że w Pakistanie "
         "sytuacja jest trudna, a Donald Tusk poleci tam w maju."),
    )
    assert names == ["Donald Tusk"]


@pytest.mark.parametrize(("language", "title", "lead"), [
    ("zh", "北京举行新闻发布会 Apple Apple",
     "国家发展和改革委员会在北京举行新闻发布会。Apple 公司代表 Tim Cook 出席。Tim Cook 表示支持。"),
    ("ja", "東京で記者会見 Sony Sony",
     "ソニーグループの Kenichiro Yoshida 会長が東京で会見した。Kenichiro Yoshida 氏は語った。"),
    ("zu", "UMongameli uCyril Ramaphosa ukhulume eThekwini",
     "UMongameli uCyril Ramaphosa ukhulume nabantu eThekwini. UCyril Ramaphosa uthe uhulumeni uzosiza."),
    ("ar", "الرئيس يزور القاهرة", "زار الرئيس القاهرة اليوم. وقال الرئيس إن الزيارة ناجحة."),
])
def test_a_language_or_script_the_method_does_not_cover_gets_no_key_players(language, title, lead):
    assert players(language, (title, lead), (title, lead)) == []


def test_english_all_caps_datelines_and_kickers_are_not_players():
    names = players(
        "en-US",
        ("Nepal says no proof plane hit a bird",
         "KATHMANDU, May 16 (Reuters) - Nepal's aviation authority said on Tuesday it found no proof. Jagannath "
         "Niroula, a spokesman for the authority, said investigators were still working. Niroula added that "
         "FLUSHING MEADOWS was not involved."),
        ("KATHMANDU: aviation authority update", "NEW YORK (AP) — Jagannath Niroula spoke again on Wednesday."),
    )
    assert names == ["Jagannath Niroula"]


def test_an_undeclared_language_is_guessed_and_an_unguessable_text_gets_no_players():
    german = [(t, f"{lead} Die Partei und der Kanzler wollen das Gesetz mit der Mehrheit im Parlament ändern.")
              for t, lead in GERMAN]
    names = players(None, *german)
    assert "Olaf Scholz" in names and "Beweisaufnahme" not in names
    assert players(None, ("Xq Zorb", "Xq Zorb. Zorb Xq."), ("Xq Zorb", "Zorb.")) == []


def test_name_language_covers_wordfreq_languages_only():
    assert name_language("de-AT") == "de" and name_language("pt-BR") == "pt"
    assert name_language("zu") is None and name_language(None) is None and name_language("") is None
    assert name_language("ja") is None and name_language("zh-Hans") is None and name_language("ar") is None


# -- slugs -----------------------------------------------------------------------------------------------------

SLUG = re.compile(r"^[a-z0-9][a-z0-9-]*$")


@pytest.mark.parametrize(("title", "slug"), [
    # ASCII titles keep the slug they always had (existing URLs do not change).
    ("Mexico’s economy grew 1.1% in 1st quarter", "mexico-s-economy-grew-1-1-in-1st-quarter-0123abcd"),
    ("Nurses begin 48-hour strike at Wrenfield hospitals over staffing",
     "nurses-begin-48-hour-strike-at-wrenfield-hospitals-over-staffing-0123abcd"),
    ("£5m deal — “quoted” ™", "5m-deal-quoted-0123abcd"),
    # Other letters are transliterated, not dropped.
    ("Wie gefährlich ist Billigware aus Übersee?", "wie-gefahrlich-ist-billigware-aus-ubersee-0123abcd"),
    ("La revancha de Verstappen tras su sanción", "la-revancha-de-verstappen-tras-su-sancion-0123abcd"),
    ("Путин провёл переговоры в Москве", "putin-provel-peregovory-v-moskve-0123abcd"),
    ("北京举行新闻发布会", "bei-jing-ju-xing-xin-wen-fa-bu-hui-0123abcd"),
    ("東京で記者会見", "dong-jing-de-ji-zhe-hui-jian-0123abcd"),
    ("한국 뉴스 속보", "hangug-nyuseu-sogbo-0123abcd"),
])
def test_slugs_are_readable_stable_and_safe(title, slug):
    assert slugify(title, "0123abcdef") == slug


@pytest.mark.parametrize("title", ["الرئيس يزور القاهرة", "राष्ट्रपति ने कहा", "ข่าวด่วนวันนี้" * 20,
                                   "Ελλάδα: νέα μέτρα", "a" * 500 + " b", "x " * 300])
def test_every_script_gives_letters_within_the_slug_limits(title):
    slug = slugify(title, "0123abcdef")
    assert SLUG.match(slug) and len(slug) <= 200 and slug.endswith("-0123abcd")
    assert re.search("[a-z]", slug.rsplit("-", 1)[0])


def test_ukrainian_titles_are_romanised_by_the_official_rules():
    title = "Ясногірська лікарня: Олена Климчук і Євген Щербак у п’ятницю"
    assert slugify(title, "0123abcdef", "uk-UA") == (
        "yasnohirska-likarnia-olena-klymchuk-i-yevhen-shcherbak-u-piatnytsiu-0123abcd")
    # the same letters in a Russian or unknown-language title keep anyascii's letters
    assert slugify("Климчук", "0123abcdef", "ru") == slugify("Климчук", "0123abcdef") == "klimchuk-0123abcd"


def test_a_story_slug_follows_its_one_language():
    from newsdive.model.story import Member, StoryRecord
    from newsdive.publish.render import story_slug

    def member(i: int, language: str) -> Member:
        return Member(article_id=f"a{i}", outlet_id=f"o{i}", outlet="Outlet", bias="center", title="Климчук",
                      url=f"https://o{i}.example/1", lead="", language=language)

    ukrainian = StoryRecord(story_id="0123abcdef", title="Климчук", members={"a1": member(1, "uk")})
    mixed = StoryRecord(story_id="0123abcdef", title="Климчук", members={"a1": member(1, "uk"), "a2": member(2, "ru")})
    assert story_slug(ukrainian) == "klymchuk-0123abcd" and story_slug(mixed) == "klimchuk-0123abcd"


def test_a_title_without_letters_or_digits_gives_the_bare_id():
    assert slugify("★ — ★", "0123abcdef") == "0123abcdef"


# -- the names bench and its hand labels -------------------------------------------------------------------------


def test_the_label_file_is_well_formed():
    import json

    from newsdive_tools.bench.names import LABELS

    data = json.loads(LABELS.read_text(encoding="utf-8"))
    assert data["_format"] and data["pages"]
    for page, entry in data["pages"].items():
        assert re.fullmatch(r"[a-z]{2,3}/\w+_\d{4}_\d{2}_\d{2}", page), page
        assert re.fullmatch(r"[a-z]{2,3}", entry["language"])
        names, not_names = {n.casefold() for n in entry["names"]}, {n.casefold() for n in entry["not_names"]}
        assert not names & not_names, page


def test_the_bench_scores_precision_and_recall_per_language_from_labels(tmp_path):
    import json

    from newsdive_tools.bench.names import Page, load_labels, main, score

    path = tmp_path / "labels.json"
    path.write_text(json.dumps({"pages": {
        "de/A_2026_01_01": {"language": "de", "names": ["Olaf Scholz", "Annalena Baerbock"],
                            "not_names": ["Beweisaufnahme"]},
    }}), encoding="utf-8")
    labels = load_labels(path)
    pages = [Page(id="de/A_2026_01_01", language="de",
                  players={"newsdive": ["olaf scholz", "Beweisaufnahme", "Berlin"]}),
             Page(id="fr/B_2026_01_01", language="fr", players={"newsdive": ["Emmanuel Macron"]})]
    row = score(pages, labels, "newsdive")["de"]
    assert (row["players"], row["names"], row["not_names"], row["unlabelled"]) == (3, 1, 1, 1)
    assert (row["labelled_names"], row["names_found"]) == (2, 1)
    assert score(pages, labels, "newsdive")["fr"]["unlabelled"] == 1
    assert main(["--dataset", str(tmp_path / "absent")]) == 0  # no dataset: says so and exits 0
