"""The publish stage: stories rendered as the published documents, feeds and sitemap; the published state settled."""
