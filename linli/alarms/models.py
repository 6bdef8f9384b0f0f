"""alarms tables."""
