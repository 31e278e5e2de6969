"""DELTAPROP_TEST_XP=torch (or array_api_strict) makes every Network of a test run compute with
that library unless the test names one: tests/test_array_api.py runs the core's test files so."""

import os

import pytest


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
