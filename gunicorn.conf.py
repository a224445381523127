"""gunicorn settings for the course server: `gunicorn -c gunicorn.conf.py 'app:create_app()'`.

Every value can be changed from the environment (see docs/deploy.md), so the same file serves a
laptop (`make serve-prod`) and each node behind the reverse proxy.
"""

import multiprocessing
import os
import time


def _int(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip()
    return int(value) if value else default


# Behind a reverse proxy on the same machine: 127.0.0.1. In a container: BIND=0.0.0.0:8000.
bind = os.environ.get("BIND") or f"{os.environ.get('HOST', '127.0.0.1')}:{_int('PORT', 8000)}"

# Sync workers, each serving one request at a time: 2 per core + 1 keeps the CPU busy while
# some wait on the database. WEB_CONCURRENCY (the usual name on hosting platforms) overrides it.
workers = _int("WEB_CONCURRENCY", 2 * multiprocessing.cpu_count() + 1)
threads = _int("GUNICORN_THREADS", 1)  # >1 switches to gthread workers

# A request that takes longer than this is killed (and logged): a page here takes milliseconds,
# the largest export (a certificates ZIP) a few seconds.
timeout = _int("GUNICORN_TIMEOUT", 60)
# On restart (SIGHUP, deploys) a worker finishes its requests within this many seconds.
graceful_timeout = _int("GUNICORN_GRACEFUL_TIMEOUT", 30)
# Seconds to hold an idle connection from the proxy open (nginx keeps upstream connections).
keepalive = _int("GUNICORN_KEEPALIVE", 5)
# Workers are not recycled (0): a worker's memory does not grow (110 MB after warm-up, 123 MB
# after 22,000 requests, measured), and each replacement cost 7-25 % of the throughput and
# a 500-700 ms pause for the requests queued behind its start. If a leak ever shows, set
# GUNICORN_MAX_REQUESTS (tens of thousands, not thousands) until it is fixed: docs/deploy.md.
max_requests = _int("GUNICORN_MAX_REQUESTS", 0)
max_requests_jitter = max_requests // 10
# Workers' heartbeat files in memory: on a container's overlay disk a slow write can make the
# master think a busy worker hung. (gunicorn makes them with mkstemp: private, unguessable.)
SHARED_MEMORY = "/dev/shm"  # noqa: S108
worker_tmp_dir = SHARED_MEMORY if os.path.isdir(SHARED_MEMORY) else None

# Not preloaded: every worker builds its own app, so no database connection or Redis socket
# made in the master is shared by forked workers. GUNICORN_PRELOAD=true saves memory (and the
# warm-up below is then done once, in the master, its connections closed before the fork).
preload_app = os.environ.get("GUNICORN_PRELOAD", "").strip().lower() in {"1", "true", "yes"}


def when_ready(server) -> None:
    """With preload_app, warm the master's app once: the workers inherit it all."""
    if preload_app:
        from app import warm_up

        started = time.perf_counter()
        warm_up(server.app.wsgi(), before_fork=True)
        server.log.info(
            "app warmed up in %.1f s, before the workers start", time.perf_counter() - started
        )


def post_worker_init(worker) -> None:
    """Before a worker takes its first request: its app warmed up (catalogues, templates,
    fonts, a database connection), so no learner pays for a cold start (app.warm_up)."""
    from flask import Flask

    from app import forget_connections, warm_up

    if not isinstance(worker.wsgi, Flask) or "sqlalchemy" not in worker.wsgi.extensions:
        return  # another WSGI app (the benchmark's raw and bare Flask ones): nothing to warm
    if preload_app:
        forget_connections(worker.wsgi)  # whatever the master opened stays the master's
        return
    started = time.perf_counter()
    warm_up(worker.wsgi)
    worker.log.info("worker warmed up in %.1f s", time.perf_counter() - started)


# The proxy in front sets X-Forwarded-*; the app believes TRUSTED_PROXIES hops of them
# (werkzeug's ProxyFix). gunicorn's own check is left open for that reason.
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1,::1")

# Logs: JSON lines from the app (one per request, with its id) unless LOG_FORMAT=text, in which
# case gunicorn writes its usual access lines, with the request id the app echoes.
os.environ.setdefault("LOG_FORMAT", "json")
loglevel = os.environ.get("LOG_LEVEL", "info").lower()
errorlog = "-"
if os.environ["LOG_FORMAT"].lower() == "json":
    accesslog = None
    logconfig_dict = {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"json": {"()": "app.core.logging.JsonFormatter"}},
        "handlers": {
            "stderr": {
                "class": "logging.StreamHandler",
                "formatter": "json",
                "stream": "ext://sys.stderr",
            }
        },
        "root": {"level": loglevel.upper(), "handlers": ["stderr"]},
        "loggers": {
            "gunicorn.error": {"level": loglevel.upper(), "handlers": [], "propagate": True},
            "gunicorn.access": {"level": "WARNING", "handlers": [], "propagate": True},
        },
    }
else:
    accesslog = "-"
    access_log_format = '%(h)s "%(r)s" %(s)s %(b)s %(M)sms request_id=%({x-request-id}o)s'

proc_name = "caring-cities"
# gunicorn 24+ opens a control socket in ~/.gunicorn: one per user, so two servers on a machine
# (two sites, a test beside a live one) would fight over it. Nothing here uses it.
control_socket_disable = True
