"""care tables."""
