import pytest


@pytest.fixture(autouse=True)
def no_change_feed_lag(settings):
    # The lag is a margin against clock skew between servers; one process has none to allow for.
    settings.LINLI_CHANGE_FEED_LAG_SECONDS = 0
