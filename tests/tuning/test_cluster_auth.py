"""Joining a running, token-authenticated Ray cluster from a user's own shell: nodes started with `ray start`,
rayga's commands run with no Ray variable exported (as `ray submit` runs them on a head), a wrong or missing
token answered with one line. Every process started here is stopped by PID."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import grpc
import pandas as pd
import pytest

from rayga.errors import ConfigError
from rayga.tuning import auth
from tests.tuning.helpers import canonical, reference, write_config
from tests.tuning.nodes import Nodes, ensure_token, pristine_env

REPO = Path(__file__).resolve().parents[2]
RAYGA = str(Path(sys.executable).with_name("rayga"))


# --- where the token comes from (no Ray) ---------------------------------------------------------------------

@pytest.fixture
def home(tmp_path, monkeypatch):
    """A user's home with no Ray variable set."""
    for var in (auth.MODE_VAR, auth.TOKEN_VAR, auth.PATH_VAR):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))
    return tmp_path


def test_the_token_is_found_in_rays_order(home, monkeypatch):
    assert auth.find_token() is None
    (home / ".ray").mkdir()
    (home / ".ray" / "auth_token").write_text("from-file\n")
    assert auth.find_token() == auth.Token("from-file", str(home / ".ray" / "auth_token"))
    named = home / "elsewhere"
    named.write_text("from-path")
    monkeypatch.setenv(auth.PATH_VAR, str(named))
    assert auth.find_token() == auth.Token("from-path", str(named))
    monkeypatch.setenv(auth.TOKEN_VAR, "from-env")
    assert auth.find_token() == auth.Token("from-env", "$RAY_AUTH_TOKEN")


@pytest.mark.parametrize("content", [None, ""], ids=["missing", "empty"])
def test_a_bad_token_path_is_one_line_naming_the_variable(home, monkeypatch, content):
    path = home / "token"
    if content is not None:
        path.write_text(content)
    monkeypatch.setenv(auth.PATH_VAR, str(path))
    with pytest.raises(ConfigError, match=rf"^RAY_AUTH_TOKEN_PATH={path}: .*unset it\)?$"):
        auth.find_token()


def test_token_mode_turns_on_only_when_unset_and_a_token_exists(home, monkeypatch):
    assert auth.use_cluster_token() is None and auth.MODE_VAR not in os.environ
    monkeypatch.setenv(auth.TOKEN_VAR, "t")
    monkeypatch.setenv(auth.MODE_VAR, "disabled")  # the user's own choice is kept
    assert auth.use_cluster_token() is None
    assert auth.refusal("h:1", None).startswith("the Ray cluster at h:1 requires token authentication but "
                                                "RAY_AUTH_MODE=disabled is set")
    monkeypatch.delenv(auth.MODE_VAR)
    assert auth.use_cluster_token() == auth.Token("t", "$RAY_AUTH_TOKEN")
    assert os.environ[auth.MODE_VAR] == "token"  # inherited by every process rayga starts


# --- a real cluster --------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    """A head started as a user starts it (token authentication, Ray's default once ~/.ray/auth_token exists)
    and a worker node of 2 CPUs started as the cluster configs start it."""
    ensure_token()
    nodes = Nodes(tmp_path_factory.mktemp("nodes"))
    try:
        nodes.head()
        nodes.wait_cpus(0)
        nodes.worker(num_cpus=2)
        nodes.wait_cpus(2)
        yield nodes
    finally:
        nodes.stop_all()


def _run(nodes: Nodes, args: list[str], env: dict[str, str], cwd: Path = REPO) -> subprocess.CompletedProcess:
    proc = nodes.track(subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
                                        cwd=cwd))
    out, err = proc.communicate(timeout=900)
    return subprocess.CompletedProcess(args, proc.returncode, out, err)


def test_the_cluster_requires_the_token(cluster):
    """What the tests below rely on: without the token the head refuses a client."""
    with grpc.insecure_channel(cluster.address) as channel, pytest.raises(grpc.RpcError) as refused:
        channel.unary_unary("/ray.rpc.NodeInfoGcsService/GetClusterId")(b"", timeout=30, wait_for_ready=True)
    assert refused.value.code() == grpc.StatusCode.UNAUTHENTICATED


@pytest.mark.slow
def test_a_users_shell_runs_on_a_token_cluster(cluster, tmp_path):
    """`rayga optimize --address auto` and `ray submit`'s command (`python examples/optimize_cluster.py`, here
    with RAY_ADDRESS as a user sets it) from shells with no other Ray variable: both finish with the passes
    and values of the Ray-free engine."""
    cfg = write_config(tmp_path, end="2022-04-01", timeframe="H1", population=64, seed=5)
    runs = {
        "optimize": ([RAYGA, "optimize", str(cfg), "--address", "auto", "--out", str(tmp_path / "a"), "--quiet"],
                     pristine_env()),
        "submit": ([sys.executable, "examples/optimize_cluster.py", "--config", str(cfg), "--out",
                    str(tmp_path / "b"), "--quiet"], pristine_env(RAY_ADDRESS=cluster.address)),
    }
    expected = reference(cfg)
    for name, (args, env) in runs.items():
        done = _run(cluster, args, env)
        assert done.returncode == 0, f"{name}: {done.stderr[-3000:]}"
        assert "InvalidAuthToken" not in done.stderr, name
        (folder,) = [p for p in (tmp_path / ("a" if name == "optimize" else "b")).iterdir() if p.is_dir()]
        results = pd.read_parquet(folder / "results.parquet")
        pd.testing.assert_frame_equal(canonical(results), expected, check_exact=True)


@pytest.mark.slow
@pytest.mark.parametrize("case", ["wrong token", "no token"])
def test_a_refused_token_is_one_line_naming_the_fix(cluster, tmp_path, case):
    cfg = write_config(tmp_path)
    if case == "wrong token":
        env = pristine_env(RAY_AUTH_TOKEN="not-the-clusters-token")
        source = "$RAY_AUTH_TOKEN"
    else:  # a user whose home holds no token
        (tmp_path / "home").mkdir()
        env = pristine_env(HOME=str(tmp_path / "home"))
        source = "no token was found"
    done = _run(cluster, [RAYGA, "optimize", str(cfg), "--address", cluster.address, "--out", str(tmp_path / "r"),
                          "--quiet"], env)
    assert done.returncode == 2, done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr  # no wall of GCS warnings first
    assert lines[0].startswith(f"rayga: error: the Ray cluster at {cluster.address} ")
    assert source in lines[0] and "`ray get-auth-token` on the head" in lines[0] and "RAY_AUTH_TOKEN" in lines[0]
    assert not (tmp_path / "r").exists() or not any((tmp_path / "r").rglob("*.parquet"))
