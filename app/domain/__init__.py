"""Pure business rules: parsing and checking values, no database, no web."""
