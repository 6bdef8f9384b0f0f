"""Open311 GeoReport v2 at /open311/v2: location-based reports become cases of the same desk."""
