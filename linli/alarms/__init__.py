"""The one-key alarm (一键报警): triggers, escalation policies, duty rosters, acknowledgements and reports."""
