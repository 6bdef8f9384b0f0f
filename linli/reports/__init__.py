"""Ledgers (一表通) derived from the golden record, and their exports."""
