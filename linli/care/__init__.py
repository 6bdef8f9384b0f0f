"""Care for the vulnerable: visit rules, due visits and visit records."""
