"""User-level applications of a trained model (generate, interpolate, edit, classify, ...)."""
