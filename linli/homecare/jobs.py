"""Home care's periodic job, run by ``linli.servicedesk.jobs``: unconfirmed orders lapse at their time."""

import datetime as dt

from linli.homecare.services import lapse_unconfirmed_orders
from linli.servicedesk.jobs import Job

JOBS = (
    Job(
        "homecare_unconfirmed",
        lambda now: lapse_unconfirmed_orders(now=now),
        every=dt.timedelta(minutes=5),
    ),
)
