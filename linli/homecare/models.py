"""homecare tables."""
