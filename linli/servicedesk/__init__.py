"""The service desk (办事): catalogue, cases, SLA in working days, ratings, Open311."""
