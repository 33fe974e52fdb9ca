
import pytest

from newsdive.model.sources import Bias, Side, SourcesFileError, parse_sources, side_of


def test_seven_point_scale_maps_to_three_buckets():
    assert [side_of(b) for b in Bias] == [
        Side.LEFT, Side.LEFT, Side.LEFT, Side.CENTER, Side.RIGHT, Side.RIGHT, Side.RIGHT, None,
    ]


@pytest.mark.parametrize(
    "content, message",
    [
        ("not json", "not a valid sources file"),
        ('[{"id": "a", "name": "A", "homepage": "ftp://a"}]', "homepage"),
        ('[{"id": "a", "name": "A", "homepage": "https://a", "bias": "very-left"}]', "bias"),
        # URLs urllib cannot split would fail every scrape of the source: refused when the file is read
        ('[{"id": "a", "name": "A", "homepage": "https://a", "feeds": ["http://[::1/rss"]}]', "Invalid IPv6"),
        ('[{"id": "a", "name": "A", "homepage": "https://a", "sitemaps": ["https://a:99999/s.xml"]}]', "Port out"),
        ('[{"id": "a", "name": "A", "homepage": "https:///no-host"}]', "has no host"),
        ('[{"id": "a", "name": "A", "homepage": "https://a"}, {"id": "a", "name": "B", "homepage": "https://b"}]',
         "appears twice"),
    ],
)
def test_bad_sources_files_fail_with_a_clear_message(content, message):
    with pytest.raises(SourcesFileError, match=message):
        parse_sources(content, name="s.json")
