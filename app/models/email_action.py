from flask_appbuilder import Model
from sqlalchemy import Column, DateTime, ForeignKey, Integer, String, UniqueConstraint

from app.models.base import utcnow


class EmailActionUse(Model):
    """A one-click link of a task e-mail that was used: each link acts once. Written in the
    transaction of the decision it made, so a link counts as used exactly when it changed
    something."""

    __tablename__ = "email_action_use"
    __table_args__ = (UniqueConstraint("link_digest", name="uq_email_action_use_link_digest"),)

    id = Column(Integer, primary_key=True)
    link_digest = Column(String(64), nullable=False)  # sha256 of the link's token
    human_task_id = Column(ForeignKey("human_task.id"), nullable=False, index=True)
    user_id = Column(ForeignKey("ab_user.id"), nullable=False)
    action = Column(String(16), nullable=False)
    used_at = Column(DateTime, nullable=False, default=utcnow)
