"""The ceiling: a bare Flask app (no session, database, templates or extensions) answering
each benchmarked page with the bytes the real app sent for it, like bench/raw_app.py.

Its rate against the raw WSGI app's is the most any Flask page can reach on this machine:
what the framework's routing, request and response objects cost, before the app does
anything of its own.
"""

from flask import Flask, Response, request

from bench import raw_app

app = Flask(__name__)


@app.route("/", defaults={"path": ""}, methods=["GET", "POST"])
@app.route("/<path:path>", methods=["GET", "POST"])
def replay(path: str):
    request.get_data()  # the body read, as the app reads its forms
    for pattern, status, headers, body in raw_app.RESPONSES:
        if pattern.fullmatch(request.path):
            return Response(body, status=status, headers=headers)
    return Response(b"not captured", status=404, content_type="text/plain")
