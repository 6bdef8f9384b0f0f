"""Open311 GeoReport v2 at /open311/v2: location-based reports become cases of the same desk.

- ``discovery.[fmt]`` (also the endpoint root), ``services.[fmt]``, ``services/{code}.[fmt]``,
  ``requests.[fmt]`` (GET and POST), ``requests/{id}.[fmt]``, ``tokens/{token}.[fmt]``; fmt is xml or json.
- Services are the active, location-based items that take the ``open311`` channel; attributes are their
  typed form fields (files excepted). A request id is the case number.
- POST needs an app's ``api_key`` (``Open311ApiKey``, hashed, issued in the admin) and files the report
  through ``linli.servicedesk.services.submit_case``; the place decides the area and so the routing
  (``location.py``). Batch and blackbox types are set per item (``Open311Service``).
- GET methods are public: only cases of location-based items, only the columns the selectors name; the
  reporter's name, phone, email, device and account never leave; free text is published only where the
  reporter wrote it for Open311, scrubbed (``redaction.py``).
- ``jurisdiction_id`` is the district's statistical code, optional while one district is served.
"""
