"""Storing and reading files through each backend: the local folder and an S3 API server on
localhost (moto in server mode; a real MinIO or cloud bucket has other figures). Prints wall and
CPU time per file; the machine is shared, so wall-clock figures are noisy.

    PYTHONPATH=. .venv/bin/python bench/storage.py [--files 200] [--size-kb 256]
"""

from __future__ import annotations

import argparse
import hashlib
import logging
import os
import tempfile
import time

from moto.server import ThreadedMotoServer

from app.storage import LocalFileStorage
from app.storage.s3 import S3FileStorage


def measure(storage, blobs: list[bytes]) -> None:
    keys: list[str] = []
    for label in ("save", "read+hash"):
        wall, cpu = time.perf_counter(), time.process_time()
        if label == "save":
            keys = [storage.save(blob) for blob in blobs]
        else:
            for key in keys:
                hashlib.sha256(storage.read(key)).hexdigest()
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        per = 1000 / len(blobs)
        print(
            f"{storage.name:6} {label:10} {wall * per:7.2f} ms/file wall"
            f"  {cpu * per:7.2f} ms/file CPU"
        )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--files", type=int, default=200)
    parser.add_argument("--size-kb", type=int, default=256)
    args = parser.parse_args()
    blobs = [os.urandom(args.size_kb * 1024) for _ in range(args.files)]
    print(f"{args.files} files of {args.size_kb} KiB")
    with tempfile.TemporaryDirectory() as folder:
        measure(LocalFileStorage(folder), blobs)
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    try:
        host, port = server.get_host_and_port()
        bucket = S3FileStorage(
            "invoiceflow-bench",
            "files/",
            endpoint_url=f"http://{host}:{port}",
            region="us-east-1",
            access_key_id="bench",
            secret_access_key="bench",
        )
        bucket.client.create_bucket(Bucket="invoiceflow-bench")
        measure(bucket, blobs)
        print("(the S3 server runs in this process: its CPU is counted in the S3 figures)")
    finally:
        server.stop()


if __name__ == "__main__":
    main()
