"""Imports of department spreadsheets and record linkage into the golden record."""
