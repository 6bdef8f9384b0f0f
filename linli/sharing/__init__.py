"""Data shared with departments: clients, grants, access log and change feed."""
