"""The days of the week an article's opening names: "ruled Monday", "on Tuesday night".

A news lead dates its event by weekday. Two reports of one event name the same day far more often than not, while
two stages of a running story (a judge blocks a law on Monday, an appeals court restores it on Thursday) name
days apart: when the publication time cannot tell such stories apart, the named days still can (see
`newsdive.aggregate.cluster.assign`). Named days that are not dates ("Black Friday", "Super Tuesday", "Sunday Times")
are left out.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from functools import lru_cache

# Monday first, as datetime.weekday() counts.
_NAMES: dict[str, tuple[tuple[str, ...], ...]] = {
    "en": (("monday",), ("tuesday",), ("wednesday",), ("thursday",), ("friday",), ("saturday",), ("sunday",)),
    "de": (("montag",), ("dienstag",), ("mittwoch",), ("donnerstag",), ("freitag",), ("samstag", "sonnabend"),
           ("sonntag",)),
    "fr": (("lundi",), ("mardi",), ("mercredi",), ("jeudi",), ("vendredi",), ("samedi",), ("dimanche",)),
    "es": (("lunes",), ("martes",), ("miercoles",), ("jueves",), ("viernes",), ("sabado",), ("domingo",)),
    "it": (("lunedi",), ("martedi",), ("mercoledi",), ("giovedi",), ("venerdi",), ("sabato",), ("domenica",)),
    "pt": (("segunda-feira",), ("terca-feira",), ("quarta-feira",), ("quinta-feira",), ("sexta-feira",),
           ("sabado",), ("domingo",)),
    "nl": (("maandag",), ("dinsdag",), ("woensdag",), ("donderdag",), ("vrijdag",), ("zaterdag",), ("zondag",)),
    # Ukrainian and Russian leads date by "у середу", "в пятницу": the accusative is listed beside the name
    # (folded: "й" -> "и", "ї" -> "і"). Russian "среда" alone is mostly "environment", "неделя" is "week": left out.
    "uk": (("понеділок",), ("вівторок",), ("середа", "середу"), ("четвер",), ("п'ятниця", "п'ятницю"),
           ("субота", "суботу"), ("неділя", "неділю")),
    "ru": (("понедельник",), ("вторник",), ("среду",), ("четверг",), ("пятница", "пятницу"), ("суббота", "субботу"),
           ("воскресенье",)),
}
_APOSTROPHES = str.maketrans({"’": "'", "ʼ": "'"})  # Ukrainian writes "п’ятниця" and "пʼятниця" too

# English named days that are not the day of the event (holidays, primaries, shows, newspapers).
_NOT_A_DATE_BEFORE = frozenset(("black", "cyber", "super", "good", "ash", "bloody", "easter", "palm", "holy", "maundy",
                                "giving", "fat"))
_NOT_A_DATE_AFTER = re.compile(r"\s+(?:night\s+(?:live|football|raw)|times|telegraph|mirror|express|mail|"
                               r"herald|post|sport)\b")


@lru_cache(maxsize=16)
def _pattern(language: str) -> tuple[re.Pattern[str], dict[str, int]]:
    table = _NAMES[language]
    numbers = {name: day for day, names in enumerate(table) for name in names}
    words = "|".join(sorted(numbers, key=len, reverse=True))
    return re.compile(rf"(?<![\w-])({words})(?![\w-])"), numbers


def _folded(text: str) -> str:
    """Lower case without accents: "miércoles" -> "miercoles"."""
    return "".join(unicodedata.normalize("NFKD", ch)[:1] for ch in text.lower().translate(_APOSTROPHES))


def named_weekdays(text: str, language: str | None = None) -> list[int]:
    """The weekdays (0 = Monday) that `text` names as dates, sorted, by its language's names (English when the
    language is unknown); none in a language without a table here (never another language's names)."""
    lang = (language or "en").split("-")[0].lower()
    if lang not in _NAMES:
        return []
    pattern, numbers = _pattern(lang)
    folded = _folded(text)
    found: set[int] = set()
    for match in pattern.finditer(folded):
        if lang == "en":
            before = folded[: match.start()].split()[-1:]
            if before and before[0].strip("\"'“‘(") in _NOT_A_DATE_BEFORE:
                continue
            if _NOT_A_DATE_AFTER.match(folded, match.end()):
                continue
        found.add(numbers[match.group(1)])
    return sorted(found)


def conflict(article_days: Sequence[int], story_days: Sequence[int], *, min_gap: int = 2) -> bool:
    """True when both name days and every day the article names is at least `min_gap` days (around the week) from
    every day the story names: the article reports another stage of a running topic.

    Adjacent days do not conflict: a next-day follow-up ("a day after their win") is still the story, and an event
    late on Friday in one time zone is early Saturday in another.
    """
    if not article_days or not story_days:
        return False
    return all(min((a - s) % 7, (s - a) % 7) >= min_gap for a in article_days for s in story_days)
