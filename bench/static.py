"""The stylesheet as the app serves it: `python -m bench.static` (no seeded data needed).

In-process, through Flask's test client (so that the figures hold on a busy machine, unlike a
wrk run): it finds the stylesheet the login page links, fetches it as a browser does
(`Accept-Encoding: gzip, deflate, br`), with gzip alone and with no encoding, and prints for
each the bytes sent, Cache-Control and the time of one request (the best of five runs of 200),
with /healthz (one SELECT 1) as the floor. docs/performance.md ("Static files") has the figures
and what they decided.
"""

import re
import timeit

from bench.common import make_app

ENCODINGS = {"browser": "gzip, deflate, br", "gzip": "gzip", "none": ""}
NUMBER = 200


def per_request(client, path: str, headers: dict) -> float:
    """Milliseconds for one request: the best of five runs of NUMBER."""
    runs = timeit.repeat(lambda: client.get(path, headers=headers), number=NUMBER, repeat=5)
    return min(runs) / NUMBER * 1000


def main() -> None:
    client = make_app().test_client()
    page = client.get("/login").get_data(as_text=True)
    path = re.search(r'href="(/static/css/site[^"]+)"', page)[1].replace("&amp;", "&")
    print(f"Stylesheet: {path}\n")
    print("| asked | encoding | bytes | Cache-Control | ms a request |")
    print("|---|---|--:|---|--:|")
    for name, accepted in ENCODINGS.items():
        headers = {"Accept-Encoding": accepted} if accepted else {}
        sent = client.get(path, headers=headers)
        assert sent.status_code == 200, sent.status
        print(
            f"| {name} | {sent.headers.get('Content-Encoding', '')} | {len(sent.data)} "
            f"| {sent.headers.get('Cache-Control')} | {per_request(client, path, headers):.3f} |"
        )
    print(f"| floor: /healthz | | | | {per_request(client, '/healthz', {}):.3f} |")


if __name__ == "__main__":
    main()
