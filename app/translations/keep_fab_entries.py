"""After `pybabel update`, bring back the catalog's entries for Flask-AppBuilder's own strings.

They are not in our code, so the update marks them obsolete; they carry the translator comment
"Flask-AppBuilder" and are restored here. Other obsolete entries are dropped.
"""

import sys

from babel.messages.pofile import read_po, write_po


def main(path: str) -> None:
    with open(path, "rb") as source:
        catalog = read_po(source)
    obsolete = catalog.obsolete
    for key in [k for k in obsolete if "Flask-AppBuilder" in obsolete[k].user_comments]:
        catalog[key] = obsolete.pop(key)
    obsolete.clear()  # text no longer in the code: nothing to keep
    with open(path, "wb") as target:
        write_po(target, catalog, width=76)


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "app/translations/ru/LC_MESSAGES/messages.po")
