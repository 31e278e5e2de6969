"""DELTAPROP_TEST_XP=torch (or array_api_strict) makes every Network of a test run compute with
that library unless the test names one: tests/test_array_api.py runs the core's test files so.
HYPOTHESIS_PROFILE=explore lets the property tests draw new examples (see below)."""

import os

import pytest
from hypothesis import settings

# Property tests draw the same examples on every run, so that a run of the suite (CI's among
# them) passes or fails on the code alone; HYPOTHESIS_PROFILE=explore draws new ones, to look
# for failures nobody has met yet.
settings.register_profile("deltaprop", derandomize=True, database=None)
settings.register_profile("explore", derandomize=False)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "deltaprop"))


@pytest.fixture(autouse=True)
def _networks_on_the_library_under_test(monkeypatch):
    library = os.environ.get("DELTAPROP_TEST_XP")
    if not library:
        return
    from deltaprop.core import network

    construct = network.Network.__init__

    def on_library(self, *args, xp=None, **kwargs):
        construct(self, *args, xp=library if xp is None else xp, **kwargs)

    monkeypatch.setattr(network.Network, "__init__", on_library)
