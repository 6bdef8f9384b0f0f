"""Routes of the service desk (incl. Open311) and the test that checks each one across roles."""

COVERED: dict[str, str] = {}
