"""The parse stage: a stored raw page becomes an Article (extraction, article-quality flags)."""
