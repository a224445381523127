"""The baseline: a bare WSGI app that answers each benchmarked page with the bytes the real
app sent for it (status, headers, body), captured by bench/run.py into BENCH_RAW_RESPONSES.

It reads the request body like the app does, and nothing else: what is left between the two
figures is the app's own work (routing, session, queries, templates).
"""

import base64
import json
import os
import re

with open(os.environ["BENCH_RAW_RESPONSES"], encoding="utf-8") as file:
    RESPONSES = [
        (
            re.compile(item["pattern"]),
            item["status"],
            [(name, value) for name, value in item["headers"]],
            base64.b64decode(item["body"]),
        )
        for item in json.load(file)
    ]


def app(environ, start_response):
    length = int(environ.get("CONTENT_LENGTH") or 0)
    if length:
        environ["wsgi.input"].read(length)
    path = environ.get("PATH_INFO", "")
    for pattern, status, headers, body in RESPONSES:
        if pattern.fullmatch(path):
            start_response(status, headers)
            return [body]
    start_response("404 Not Found", [("Content-Type", "text/plain")])
    return [b"not captured"]
