"""Users and roles are Flask-AppBuilder's tables; the rest of the app names them from here."""

from flask_appbuilder.security.sqla.models import Role, User

__all__ = ["Role", "User"]
