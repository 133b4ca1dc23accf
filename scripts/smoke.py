"""Smoke test of a running Tongde with the demo loaded: python scripts/smoke.py http://127.0.0.1:8000

Fetches the home page in both languages, the health check and the community API, and checks the
demo's figures (those of the seed article). Exits non-zero on the first failure.
"""

from __future__ import annotations

import json
import sys
import urllib.request

EXPECTED_REGISTRY = {
    "managed_compounds": 5,
    "courtyards": 16,
    "buildings": 110,
    "units": 411,
    "households": 5180,
    "residents": 18519,
    "access_controlled_compounds": 21,
    "face_recognition_compounds": 2,
}


def fetch(url: str) -> tuple[int, str]:
    with urllib.request.urlopen(url, timeout=30) as response:  # noqa: S310 -- our own server
        return response.status, response.read().decode()


def main(base: str) -> int:
    failures = []
    status, body = fetch(f"{base}/")
    if status != 200 or 'lang="zh-hans"' not in body or "同德巷社区" not in body:
        failures.append("/ is not the Chinese home page with Tongde Lane on it")
    status, body = fetch(f"{base}/en/")
    if status != 200 or 'lang="en"' not in body:
        failures.append("/en/ is not the English home page")
    status, body = fetch(f"{base}/healthz")
    health = json.loads(body)
    if status != 200 or not health["checks"]["database"]["ok"]:
        failures.append(f"/healthz: {body}")
    status, body = fetch(f"{base}/api/v1/communities/tongde-lane/")
    registry = json.loads(body)["registry"]
    for key, value in EXPECTED_REGISTRY.items():
        if registry.get(key) != value:
            failures.append(f"API registry.{key} = {registry.get(key)}, expected {value}")
    status, body = fetch(f"{base}/scorecards/public/tongde-lane/")
    if status != 200 or "康盛花园" not in body or "红榜" not in body:
        failures.append("the public red/black list does not show the demo's latest month")
    status, body = fetch(f"{base}/api/v1/communities/tongde-lane/redblack/latest.json")
    rows = json.loads(body)["rows"]
    if status != 200 or len(rows) != 5:
        failures.append(f"redblack/latest.json has {len(rows)} rows, expected the 5 compounds")
    for failure in failures:
        print(f"SMOKE FAIL: {failure}")
    if not failures:
        print(f"smoke ok: {base} /, /en/, /healthz, the community API figures, the red/black list")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else "http://127.0.0.1:8000"))
