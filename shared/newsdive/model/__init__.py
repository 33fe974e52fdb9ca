"""What the stages hand each other and what is published: articles, sources, messages, stories, documents, errors."""
