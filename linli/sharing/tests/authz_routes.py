"""Routes of sharing and the test that checks each one across roles, inside and outside the area."""

COVERED: dict[str, str] = {}
