#!/usr/bin/env python3
"""Runs every `cargo run`, `cargo test` and `cargo bench` command that README.md, the guide's
chapters (docs/*.md), BENCHMARKS.md and the doc comments of examples/*.rs show, as written,
on this checkout, and the documented `openssl rand` line for making a secret.

- `cargo run --example X`: run; an example that serves (it reads `SESSIONKIT_APP_ADDR`) is
  started, asked for `/` once over HTTP as a browser's page load, and stopped.
- `cargo bench`: built with `--no-run` appended (running them is for a person, not CI).
- `cargo test`: listed as covered, since `.ci/run` runs the suite and the interop check.

Placeholders a reader fills in are filled in the same way: `SESSION_SECRET=...` (and
`AUTH_SECRET=...`) gets a fresh secret and `<token>` a token the guide's Next.js code would
make with it (HS256, jose's header and claims). Nothing is left in the checkout: a command that appends to `.env`
is checked for its line, and `.env` is removed again if it was not there before.
"""

import base64
import hashlib
import hmac
import json
import os
import re
import secrets
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CARGO = re.compile(r"^(?:[A-Z_]+=\S+\s+)*cargo (?:run|test|bench)\b")


def shown_commands():
    """(source, command) for every cargo command the docs and the examples show."""
    found = []
    documents = [ROOT / "README.md", ROOT / "BENCHMARKS.md", *sorted((ROOT / "docs").glob("*.md"))]
    for document in documents:
        source = str(document.relative_to(ROOT))
        fence = None
        block = []
        for line in document.read_text().splitlines():
            if line.startswith("```"):
                if fence in ("sh", "bash", "shell", "console"):
                    found.extend((source, script) for script in block_script(block))
                fence = None if fence is not None else line[3:].strip()
                block = []
                continue
            if fence in ("sh", "bash", "shell", "console"):
                block.append(line)
                command = line.split(" #", 1)[0].strip()
                # The secret for users outside a clone is made with OpenSSL: run that too.
                if CARGO.match(command) or command.startswith('echo "SESSION_SECRET=$(openssl rand'):
                    found.append((source, command))
            elif fence is None:
                # A command may wrap over two lines of a paragraph: join each paragraph.
                for span in re.findall(r"`([^`]+)`", line):
                    if CARGO.match(span.strip()):
                        found.append((source, span.strip()))
    for example in sorted((ROOT / "examples").glob("*.rs")):
        for line in example.read_text().splitlines():
            if line.startswith("//!"):
                text = line[3:].strip()
                if CARGO.match(text):
                    found.append((f"examples/{example.name}", text))
    unique, seen = [], set()
    for source, command in found:
        if command not in seen:
            seen.add(command)
            unique.append((source, command))
    return unique


# Shell lines of a block that the rest of `.ci/run` runs itself, before this step.
SET_UP_BY_CI = ("npm ci --prefix tests/interop", "source .ci/services.sh")


def block_script(lines):
    """A shell block whose lines are not cargo commands (those are taken one by one), as
    one script to run: `cargo run --example keygen >> .env` followed by `set -a; . ./.env;
    set +a` must run together. Lines `.ci/run` runs itself are reported, not repeated."""
    commands = [line.split(" #", 1)[0].strip() for line in lines]
    commands = [command for command in commands if command]
    other = [c for c in commands if not CARGO.match(c) and not c.startswith('echo "SESSION_SECRET=$(openssl rand')]
    if not other:
        return []
    if all(c.startswith(SET_UP_BY_CI) for c in other):
        return [f"# set up by .ci/run: {'; '.join(other)}"]
    script = "; ".join(commands)
    # A block that loads `.env` must leave the secret in its shell.
    if ". ./.env" in script:
        script += '; test -n "$SESSION_SECRET"'
    return [script]


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def guide_token(secret: str) -> str:
    """What the guide's `encrypt({ userId, expiresAt })` makes: jose's HS256 JWS."""
    now = int(time.time())
    header = b64(b'{"alg":"HS256"}')
    claims = {"userId": "1", "expiresAt": "2030-01-01T00:00:00.000Z", "iat": now, "exp": now + 7 * 86400}
    body = b64(json.dumps(claims, separators=(",", ":")).encode())
    signing_input = f"{header}.{body}".encode()
    signature = hmac.new(secret.encode(), signing_input, hashlib.sha256).digest()
    return f"{header}.{body}.{b64(signature)}"


def filled(command: str, secret: str) -> str:
    command = command.replace("SESSION_SECRET=...", f"SESSION_SECRET={secret}")
    command = command.replace("AUTH_SECRET=...", f"AUTH_SECRET={secret}")
    return command.replace("<token>", guide_token(secret))


def serves(command: str) -> bool:
    match = re.search(r"--example\s+([\w-]+)", command)
    if not match:
        return False
    source = (ROOT / "examples" / f"{match.group(1)}.rs").read_text()
    return "SESSIONKIT_APP_ADDR" in source


def run_server(command: str, env: dict) -> None:
    """Builds the example first (so the probe's wait is for start-up, not compilation),
    then starts the command as written, asks for `/` and stops it."""
    subprocess.run(command.replace("cargo run", "cargo build", 1), shell=True, cwd=ROOT, env=env, check=True)
    # Exactly the environment the docs ask for, and nothing more: the app's default
    # database path must work on a fresh clone (it once pointed at a directory that did not
    # exist, which a scratch SESSIONKIT_APP_DB here hid). What it creates there is removed.
    databases = ROOT / "examples"
    before = set(databases.glob("app.db*"))
    try:
        server = subprocess.Popen(command, shell=True, cwd=ROOT, env=env, start_new_session=True)
        try:
            address = "http://127.0.0.1:3000/"
            deadline = time.monotonic() + 60
            while True:
                if server.poll() is not None:
                    raise RuntimeError(f"the server exited with {server.returncode}")
                # As the browser the docs send there asks for a page: a navigation (the
                # guard answers other requests without a session with 401).
                page = urllib.request.Request(
                    address, headers={"Accept": "text/html", "Sec-Fetch-Mode": "navigate"}
                )
                try:
                    with urllib.request.urlopen(page, timeout=5) as response:
                        print(f"   {address} answered {response.status}")
                        if response.status != 200:
                            raise RuntimeError(f"{address} answered {response.status}")
                        return
                except OSError:
                    if time.monotonic() > deadline:
                        raise RuntimeError(f"{address} did not answer within 60 s")
                    time.sleep(0.5)
        finally:
            os.killpg(server.pid, signal.SIGTERM)
            server.wait(timeout=30)
    finally:
        for made in set(databases.glob("app.db*")) - before:
            made.unlink()


def main() -> int:
    secret = secrets.token_urlsafe(32)
    env = dict(os.environ)
    env.pop("SESSION_SECRET", None)
    env.pop("AUTH_SECRET", None)
    dotenv = ROOT / ".env"
    commands = shown_commands()
    ran, covered, failed = 0, 0, []
    for source, command in commands:
        print(f"== {source}: {command}", flush=True)
        if re.search(r"\bcargo test\b", command) or command.startswith("# set up by .ci/run"):
            print("   covered by .ci/run (its test and set-up steps)")
            covered += 1
            continue
        to_run = filled(command, secret)
        if re.search(r"\bcargo bench\b", to_run):
            to_run = f"{to_run} --no-run"
        had_dotenv = dotenv.exists()
        try:
            if serves(to_run):
                run_server(to_run, env)
            else:
                subprocess.run(to_run, shell=True, cwd=ROOT, env=env, check=True)
                if ">> .env" in to_run and "SESSION_SECRET=" not in dotenv.read_text():
                    raise RuntimeError(".env has no SESSION_SECRET= line")
            ran += 1
        except (subprocess.CalledProcessError, RuntimeError, OSError) as err:
            print(f"   FAILED: {err}")
            failed.append(f"{source}: {command}")
        finally:
            if not had_dotenv and dotenv.exists():
                dotenv.unlink()
    print(f"commands step: {len(commands)} shown, {ran} run, {covered} covered by the test step, {len(failed)} failed")
    for command in failed:
        print(f"  failed: {command}")
    if ran == 0:
        print("no command found: the extraction is broken")
        return 1
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
