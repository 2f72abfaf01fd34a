"""Heartbeats are not among the tables every test empties: the ops tests empty them."""

import pytest
from sqlalchemy import text

from app.extensions import db


@pytest.fixture(autouse=True)
def _forget_heartbeats(request):
    yield
    if "app" not in request.fixturenames:
        return
    app = request.getfixturevalue("app")
    with app.app_context():
        db.session.execute(text("DELETE FROM worker_heartbeat"))
        db.session.commit()
        db.session.remove()
