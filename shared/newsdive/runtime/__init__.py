"""What every function needs around its stage: settings, wiring, observability, Lambda event models, batch helpers."""
