"""Departments and cost centres: directories admins manage, named on the card for the rules."""

from flask_appbuilder import Model
from sqlalchemy import Boolean, Column, DateTime, Integer, String, UniqueConstraint

from app.models.base import utcnow


class _DirectoryEntry:
    """A code the rules read (`Capex`), a name people read, and whether the card offers it."""

    id = Column(Integer, primary_key=True)
    code = Column(String(32), nullable=False)
    name = Column(String(255), nullable=False)
    active = Column(Boolean, nullable=False, default=True)
    created_at = Column(DateTime, nullable=False, default=utcnow)

    def __repr__(self) -> str:
        return f"{self.name} ({self.code})"


class Department(_DirectoryEntry, Model):
    __tablename__ = "department"
    __table_args__ = (UniqueConstraint("code", name="uq_department_code"),)


class CostCentre(_DirectoryEntry, Model):
    __tablename__ = "cost_centre"
    __table_args__ = (UniqueConstraint("code", name="uq_cost_centre_code"),)
