from flask_appbuilder import Model
from sqlalchemy import JSON, Column, DateTime, String

from app.models.base import utcnow


class WorkerHeartbeat(Model):
    """One row per `flask worker` process (host:pid), rewritten at every pass: /readyz and
    /metrics read how long ago the youngest one beat and what its last pass did."""

    __tablename__ = "worker_heartbeat"

    worker_id = Column(String(255), primary_key=True)
    started_at = Column(DateTime, nullable=False, default=utcnow)
    beat_at = Column(DateTime, nullable=False, default=utcnow, index=True)
    last_counts = Column(JSON, nullable=False, default=dict)
