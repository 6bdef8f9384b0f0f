"""meals tables."""
