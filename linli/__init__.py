"""Linli (邻里): one platform for a district's community services."""
