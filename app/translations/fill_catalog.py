"""Fill translations from a JSON file {msgid: msgstr} into the catalog; clears fuzzy marks."""

import json
import sys

from babel.messages.pofile import read_po, write_po


def main(po_path: str, json_path: str) -> None:
    with open(json_path, encoding="utf-8") as source:
        translations = json.load(source)
    with open(po_path, "rb") as source:
        catalog = read_po(source)
    for message in catalog:
        if message.id in translations:
            message.string = translations[message.id]
            message.flags.discard("fuzzy")
    with open(po_path, "wb") as target:
        write_po(target, catalog, width=76)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
