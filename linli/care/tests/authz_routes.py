"""Routes of this app and the test that checks each one across roles."""

COVERED: dict[str, str] = {}
