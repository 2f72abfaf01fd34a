"""Search text from users, used in LIKE patterns."""

from __future__ import annotations


def like_escaped(text: str) -> str:
    """`text` matched literally inside a LIKE pattern (backslash is the escape): a user's % or
    _ is a character, not a wildcard."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
