"""The community API's requests/s against a Django hello-world view, under ``wrk``, in one run.

    python -m bench.measure_api --slug tongde-lane [--port 8765] [--duration 10] [--json-out FILE]

Starts gunicorn with the production settings the README documents (DEBUG off, 2 sync workers,
PostgreSQL with CONN_MAX_AGE, Redis cache) and ``BENCH_HELLO=1``, checks that both URLs answer
200, warms both up, then runs ``wrk -t2 -c16 -d10s`` on ``/_bench/hello`` and on
``/api/v1/communities/<slug>/``. Both views go through the same middleware and workers, so the
ratio api/hello says what the API's own work costs. Only 127.0.0.1 is ever loaded.

Gunicorn runs in its own process group, which is ended (SIGTERM, then SIGKILL after 10 s) in a
``finally`` block and on SIGTERM/SIGINT, so the bench never leaves a server behind.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"
HELLO = "/_bench/hello"


class BenchError(Exception):
    pass


def _port_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        return s.connect_ex((HOST, port)) != 0


def _get(url: str, timeout: float = 5) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:  # noqa: S310 (127.0.0.1)
            return response.status, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


def _wait_ready(url: str, server: subprocess.Popen, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise BenchError(f"gunicorn exited with status {server.returncode}")
        try:
            status, _ = _get(url, timeout=2)
        except OSError:
            time.sleep(0.2)
            continue
        if status == 200:
            return
        raise BenchError(f"{url} answered {status}")
    raise BenchError(f"gunicorn did not answer {url} within {seconds:.0f} s")


def wrk(url: str, *, duration: int, threads: int = 2, connections: int = 16) -> dict[str, Any]:
    """Run wrk once and parse its summary; bounded by ``duration`` plus a margin."""
    command = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{duration}s", "--latency", url]
    done = subprocess.run(
        command, capture_output=True, text=True, timeout=duration + 30, check=False
    )
    if done.returncode != 0:
        raise BenchError(f"wrk failed on {url}: {done.stderr.strip() or done.stdout.strip()}")
    return parse_wrk(done.stdout)


def parse_wrk(output: str) -> dict[str, Any]:
    rate = re.search(r"^Requests/sec:\s+([\d.]+)", output, re.MULTILINE)
    if not rate:
        raise BenchError(f"no Requests/sec in wrk output:\n{output}")
    result: dict[str, Any] = {"requests_per_second": float(rate.group(1))}
    total = re.search(r"^\s*(\d+) requests in", output, re.MULTILINE)
    result["requests"] = int(total.group(1)) if total else None
    bad = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", output)
    result["non_2xx"] = int(bad.group(1)) if bad else 0
    errors = re.search(r"Socket errors:(.*)", output)
    result["socket_errors"] = errors.group(1).strip() if errors else ""
    for label in ("50%", "99%"):
        latency = re.search(rf"^\s+{re.escape(label)}\s+(\S+)", output, re.MULTILINE)
        result[f"latency_p{label[:-1]}"] = latency.group(1) if latency else None
    return result


def server_env(database_url: str, redis_url: str, static_root: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        DEBUG="false",
        SECRET_KEY=env.get("BENCH_SECRET_KEY", "bench-only-" + "k" * 50),
        ALLOWED_HOSTS=HOST,
        SECURE_SSL_REDIRECT="false",
        BENCH_HELLO="1",
        DATABASE_URL=database_url,
        REDIS_URL=redis_url,
        STATIC_ROOT=static_root,
        LOG_LEVEL="WARNING",
    )
    return env


def _stop(server: subprocess.Popen) -> None:
    """End gunicorn's own process group: the master and the workers it forked."""
    if server.poll() is not None:
        return
    try:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=10)
    except ProcessLookupError:
        return
    except subprocess.TimeoutExpired:
        os.killpg(server.pid, signal.SIGKILL)
        server.wait(timeout=5)


def measure(
    *,
    slug: str,
    port: int,
    duration: int,
    workers: int,
    database_url: str,
    redis_url: str,
    static_root: str,
    pidfile: str | None,
) -> dict[str, Any]:
    if not _port_free(port):
        raise BenchError(f"{HOST}:{port} is in use: choose another --port")
    base = f"http://{HOST}:{port}"
    urls = {"hello": base + HELLO, "api": f"{base}/api/v1/communities/{slug}/"}
    gunicorn = str(ROOT / ".venv" / "bin" / "gunicorn")
    server = subprocess.Popen(
        [
            gunicorn,
            "tongde.wsgi:application",
            "--bind",
            f"{HOST}:{port}",
            "--workers",
            str(workers),
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=server_env(database_url, redis_url, static_root),
        start_new_session=True,  # its own process group, so _stop ends the workers too
    )
    if pidfile:
        Path(pidfile).write_text(str(server.pid))
    try:
        _wait_ready(urls["hello"], server)
        status, body = _get(urls["api"])
        if status != 200:
            raise BenchError(f"{urls['api']} answered {status}: {body[:200]!r}")
        document = json.loads(body)
        # Warm-up: every worker opens its database connection and fills its caches.
        for url in urls.values():
            wrk(url, duration=2)
        result: dict[str, Any] = {
            "slug": slug,
            "registry": document.get("registry"),
            "workers": workers,
            "duration": duration,
        }
        for name, url in urls.items():
            result[name] = wrk(url, duration=duration)
            result[name]["url"] = url
            if result[name]["non_2xx"]:
                raise BenchError(f"{url}: {result[name]['non_2xx']} responses were not 2xx/3xx")
        return result
    finally:
        _stop(server)
        if pidfile:
            Path(pidfile).unlink(missing_ok=True)


def report_lines(result: dict[str, Any]) -> list[str]:
    lines = []
    for name in ("hello", "api"):
        r = result[name]
        lines.append(
            f"{r['url']}: {r['requests_per_second']:,.0f} req/s"
            f" (p50 {r['latency_p50']}, p99 {r['latency_p99']}, {r['requests']:,} requests"
            + (f", socket errors: {r['socket_errors']}" if r["socket_errors"] else "")
            + ")"
        )
    lines.append(
        f"wrk -t2 -c16 -d{result['duration']}s each, gunicorn {result['workers']} sync workers,"
        " DEBUG off, one warm-up of 2 s per URL first"
    )
    return lines


def _raise_on_signal(signum, frame) -> None:
    raise KeyboardInterrupt(f"signal {signum}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--slug", required=True, help="the community the API serves")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--duration", type=int, default=10, help="seconds of wrk per URL")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument(
        "--database-url",
        default=os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/tongde_bench"),
    )
    parser.add_argument(
        "--redis-url", default=os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/3")
    )
    parser.add_argument("--static-root", default="/tmp/tongde-bench-static")  # noqa: S108
    parser.add_argument("--pidfile", help="gunicorn's pid goes here while it runs")
    parser.add_argument("--json-out", help="write the figures here as JSON")
    args = parser.parse_args(argv)
    # A SIGTERM (e.g. from run.sh's trap) unwinds through the finally that stops gunicorn.
    signal.signal(signal.SIGTERM, _raise_on_signal)
    try:
        result = measure(
            slug=args.slug,
            port=args.port,
            duration=args.duration,
            workers=args.workers,
            database_url=args.database_url,
            redis_url=args.redis_url,
            static_root=args.static_root,
            pidfile=args.pidfile,
        )
    except BenchError as exc:
        print(f"measure_api: {exc}", file=sys.stderr)
        result, status = {"error": str(exc)}, 1
    else:
        for line in report_lines(result):
            print(f"  {line}")
        status = 0
    if args.json_out:
        with open(args.json_out, "w", encoding="utf-8") as fh:
            json.dump(result, fh, ensure_ascii=False, indent=2)
    return status


if __name__ == "__main__":
    sys.exit(main())
