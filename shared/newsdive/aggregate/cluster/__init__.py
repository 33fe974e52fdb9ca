"""Story clustering: article term vectors, candidate lookup through an inverted index, incremental assignment."""
