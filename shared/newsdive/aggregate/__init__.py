"""The aggregate stage: articles join stories (clustering, re-clustering), with category, bias and sentiment."""
