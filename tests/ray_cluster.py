"""A real local Ray cluster for tests: ``ray start --head`` on 127.0.0.1 with 2 CPUs in
its own session (stopped by killing that session's process group, never ``ray stop``,
which would stop every Ray cluster of this user)."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


_AUTH_MODE = "RAY_AUTH_MODE"


@contextmanager
def local_ray_cluster(pythonpath: str, cpus: int = 2) -> Iterator[str]:
    """Yield the cluster's address (``127.0.0.1:PORT``)."""
    ray_bin = Path(sys.executable).with_name("ray")
    port = _free_port()
    # Ray's unix sockets live under --temp-dir: keep the path short (108-byte limit).
    temp = tempfile.mkdtemp(prefix="rt", dir="/tmp")
    # Without token authentication on both sides: a Ray that once started a local cluster
    # on this machine left ~/.ray/auth_token, and a client that finds one turns token
    # authentication on against this cluster ("Authentication token is missing").
    previous_auth = os.environ.get(_AUTH_MODE)
    os.environ[_AUTH_MODE] = "disabled"
    env = {**os.environ, "PYTHONPATH": pythonpath, "RAY_USAGE_STATS_ENABLED": "0"}
    proc = subprocess.Popen(
        [
            str(ray_bin),
            "start",
            "--head",
            "--block",
            "--node-ip-address=127.0.0.1",
            f"--port={port}",
            f"--num-cpus={cpus}",
            "--num-gpus=0",
            "--include-dashboard=false",
            "--disable-usage-stats",
            f"--temp-dir={temp}",
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 90
        while not _raylet_up(temp):
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("ray start --head did not come up")
            time.sleep(0.5)
        yield f"127.0.0.1:{port}"
    finally:
        if previous_auth is None:
            os.environ.pop(_AUTH_MODE, None)
        else:
            os.environ[_AUTH_MODE] = previous_auth
        for sig, wait in ((signal.SIGTERM, 10), (signal.SIGKILL, 10)):
            try:
                os.killpg(proc.pid, sig)
            except ProcessLookupError:
                break
            try:
                proc.wait(timeout=wait)
            except subprocess.TimeoutExpired:
                continue
            time.sleep(1)  # the session's other processes get the signal too
        with suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        shutil.rmtree(temp, ignore_errors=True)


def _raylet_up(temp: str) -> bool:
    return any(p.name == "raylet" for p in Path(temp).glob("session_*/sockets/*"))


def kill_ray_worker(name: str, pid: int | None = None) -> int | None:
    """SIGKILL one Ray worker process whose title starts with ``ray::NAME`` (only process
    ``pid`` when given: Ray hands actors pre-started workers, so pids say nothing of which
    actor came first); its pid."""
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or (pid is not None and entry.name != str(pid)):
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            continue
        if cmdline.startswith(f"ray::{name}"):
            os.kill(int(entry.name), signal.SIGKILL)
            return int(entry.name)
    return None
