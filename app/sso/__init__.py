"""Single sign-on: LDAP / Active Directory and OpenID Connect through Flask-AppBuilder's AUTH_LDAP
and AUTH_OAUTH, with the app's own sign-in rules (rate limits, second factor, session
generation) and a break-glass local login for the users named in AUTH_LOCAL_LOGIN_USERS."""
