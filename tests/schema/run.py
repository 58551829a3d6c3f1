"""The schema suite: schemathesis against the real hall server.

Starts `hallq init` + `hallq serve` on a temporary database and a free
loopback port, logs in as the supervisor (staff 0001, the PIN `init` set),
and runs a bounded, seeded schemathesis run over every operation of
`/api/v1/openapi.json` with the supervisor's token. It passes when no
answer is a 5xx and every answer conforms to the document: its status is
one the operation declares, its content type the declared one, its body
the declared schema. Then the server is stopped with SIGTERM.

`cargo xtask test` runs it with the venv's Python (`cargo xtask setup`
installs requirements.txt there) and the debug `hallq`:

    <venv>/bin/python tests/schema/run.py --hallq target/debug/hallq

A failure prints schemathesis' report with a curl line to reproduce each
case; the server's log is printed too.
"""

import argparse
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import urllib.request

PIN = "246810"

# A fixed count per operation and a fixed seed: the same cases every run,
# about a minute on a 2-core machine.
MAX_EXAMPLES = "80"
SEED = "20261205"

# Tickets issued before serving (services of `hallq init`'s default hall).
SEED_TICKETS = ["PAY", "PAY", "NEW", "ASK"]

CHECKS = ",".join(
    [
        "not_a_server_error",
        "status_code_conformance",
        "content_type_conformance",
        "response_schema_conformance",
    ]
)

# Operations that would end the session under test, after which every
# case would only see 401s and test nothing: logging the supervisor out,
# and revoking a terminal (a supervisor session is one, and the stateful
# phase feeds `GET /terminals`' ids, the session's own among them, to it).
# Everything else is exercised, destructive or not: a 5xx there is a bug
# whatever the hall's state.
EXCLUDED = [
    ("DELETE", "/api/v1/session"),
    ("DELETE", "/api/v1/terminals/{id}"),
]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hallq", required=True, help="the hallq binary to serve")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder (database, log, report)")
    args = parser.parse_args()
    hallq = os.path.abspath(args.hallq)
    if not os.path.isfile(hallq):
        print(f"schema: no hallq binary at {hallq}; build it first (cargo build -p hallq-cli)", file=sys.stderr)
        return 2

    work = tempfile.mkdtemp(prefix="hallq-schema-")
    db = os.path.join(work, "hall.db")
    log_path = os.path.join(work, "serve.log")
    subprocess.run([hallq, "init", "--non-interactive", "--pin", PIN, "--db", db], check=True, stdout=subprocess.DEVNULL)
    # A few tickets, so that the stateful phase finds real ids in
    # `GET /tickets` and follows them into the routes that take one.
    for service in SEED_TICKETS:
        subprocess.run([hallq, "issue", "--service", service, "--db", db], check=True, stdout=subprocess.DEVNULL)
    with open(log_path, "wb") as log:
        server = subprocess.Popen(
            [hallq, "serve", "--db", db, "--port", "0", "--kiosk-interval-ms", "0"],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=log,
            env={**os.environ, "HALLQ_LOG": "warn"},
        )
    try:
        base = listening_on(server)
        token = supervisor_token(base)
        status = schemathesis(base, token, work)
    finally:
        stop(server)
    if status != 0:
        with open(log_path, encoding="utf-8", errors="replace") as log:
            print(f"--- hallq serve log ({log_path}) ---\n{log.read()}", file=sys.stderr)
    if args.keep or status != 0:
        print(f"schema: the run's files are in {work}")
    else:
        shutil.rmtree(work, ignore_errors=True)
    return status


def listening_on(server: subprocess.Popen) -> str:
    """The server's base URL, from the line it prints once listening."""
    for raw in server.stdout:
        match = re.search(rb"http://127\.0\.0\.1:\d+", raw)
        if match:
            return match.group(0).decode()
    raise RuntimeError(f"hallq serve exited ({server.wait()}) without printing its URL")


def supervisor_token(base: str) -> str:
    """Logs the admin (staff 0001) in; the session's bearer token."""
    body = json.dumps({"staff": "0001", "pin": PIN}).encode()
    request = urllib.request.Request(
        base + "/api/v1/session", data=body, method="POST", headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=10) as answer:
        return json.load(answer)["token"]


def schemathesis(base: str, token: str, work: str) -> int:
    """Runs schemathesis (the one installed beside this Python) and returns its exit status."""
    exe = os.path.join(os.path.dirname(sys.executable), "schemathesis")
    command = [
        exe,
        "--config-file",
        os.path.join(os.path.dirname(os.path.abspath(__file__)), "schemathesis.toml"),
        "run",
        base + "/api/v1/openapi.json",
        "--url",
        base,
        "--header",
        f"Authorization: Bearer {token}",
        "--checks",
        CHECKS,
        "--max-examples",
        MAX_EXAMPLES,
        "--seed",
        SEED,
        # One worker: two threads parsing Python sources at once (hypothesis
        # describing its filters) trip CPython 3.11's "AST constructor
        # recursion depth mismatch", a SystemError of the runner, not the API.
        "--workers",
        "1",
        "--request-timeout",
        "30",
        "--no-color",
        "--report",
        "junit",
        "--report-dir",
        work,
    ]
    for method, path in EXCLUDED:
        command += ["--exclude-name", f"{method} {path}"]
    print("$ " + " ".join(command).replace(token, "<token>"), flush=True)
    # Run in the temporary folder: schemathesis keeps a `.schemathesis/`
    # cache in its working directory, which must not land in the clone.
    return subprocess.run(command, cwd=work, env={**os.environ, "NO_COLOR": "1"}).returncode


def stop(server: subprocess.Popen) -> None:
    """SIGTERM, as a service manager stops the hall; SIGKILL if it lingers."""
    if server.poll() is None:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


if __name__ == "__main__":
    sys.exit(main())
