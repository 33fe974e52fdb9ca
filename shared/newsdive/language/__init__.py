"""Text helpers every stage uses: safe plain text, sentences, leads, and a light language guess."""
