"""The image's HEALTHCHECK: GET a health route of the service in this container (python:slim has
no curl). Exit 0 on 200, 1 otherwise. The path is the first argument (``/health/live`` by
default); the port is the service's ``ACADEMY_HTTP_PORT``, which each image stage sets."""

from __future__ import annotations

import os
import sys
import urllib.error
import urllib.request


def main(argv: list[str]) -> int:
    path = argv[1] if len(argv) > 1 else "/health/live"
    url = f"http://127.0.0.1:{os.environ['ACADEMY_HTTP_PORT']}{path}"
    try:
        with urllib.request.urlopen(url, timeout=4) as response:
            return 0 if response.status == 200 else 1
    except (urllib.error.URLError, OSError) as error:
        print(f"{url}: {error}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
