from __future__ import annotations

import pytest
import time_machine

from tests.training.report_scenarios import at, hospital


@pytest.fixture
def place(client):
    """The report scenario's hospital, with ``client`` logged in as its administrator.
    (tests/training/test_reports.py, which needs no client, has a ``place`` of its own.)"""
    place = hospital()
    client.force_login(place["admin"])
    return place


@pytest.fixture
def twenty_days_on():
    """The clock at day 20 of the report scenario, standing still."""
    with time_machine.travel(at(20), tick=False):
        yield
