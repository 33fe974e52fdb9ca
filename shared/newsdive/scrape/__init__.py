"""The scrape stage and the schedule that feeds it: which sources are due, polite fetching, feeds
and sitemaps, URLs."""
