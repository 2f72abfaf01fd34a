"""The browser tests' app server (tests/e2e/server.py) with a worker thread beside it and
localhost allowed as a webhook receiver: the webhooks screen then shows real deliveries.

Run as `python -m tests.e2e.webhook_server --database-url URL --files-dir DIR --ready-file PATH`.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from werkzeug.serving import make_server

from app.worker import start_in_thread
from tests.e2e.server import build_app


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--files-dir", required=True)
    parser.add_argument("--ready-file", required=True)
    args = parser.parse_args()
    app = build_app(args.database_url, args.files_dir)
    app.config.update(WEBHOOK_ALLOWED_HOSTS="127.0.0.1/32", WORKER_INTERVAL_SECONDS=1)
    start_in_thread(app)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    ready = Path(args.ready_file)
    partial = ready.with_suffix(".tmp")
    partial.write_text(str(server.server_port))
    partial.replace(ready)
    server.serve_forever()


if __name__ == "__main__":
    main()
