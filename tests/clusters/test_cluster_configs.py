"""Cluster configs: every launcher YAML passes Ray's own cluster-config schema (with Ray's defaults filled
in, as `ray up` does), KubeRay manifests have the fields KubeRay requires, and the Dockerfile is checked
statically (no Docker daemon here)."""

from __future__ import annotations

import copy
import re
from pathlib import Path

import jsonschema
import pytest
import yaml
from ray.autoscaler._private.util import prepare_config, validate_config

CLUSTERS = Path(__file__).resolve().parents[2] / "clusters"
LAUNCHER = sorted(CLUSTERS.glob("*.yaml"))
IMAGE = re.compile(r"^FROM rayproject/ray:(\d+\.\d+\.\d+)-py311(-cpu)?$", re.M)


def test_every_provider_has_a_config():
    assert {p.stem for p in LAUNCHER} == {"aws", "gcp", "local"}


@pytest.mark.parametrize("path", LAUNCHER, ids=lambda p: p.name)
def test_launcher_config_passes_rays_schema(path):
    config = yaml.safe_load(path.read_text())
    validate_config(prepare_config(copy.deepcopy(config)))
    text = path.read_text()
    assert "ray[tune,default]" in text and "rayga" in text  # setup installs rayga
    assert "NUMBA_CACHE_DIR" in text and "mkdir -p" in text  # a writable Numba cache on every node
    head = " ".join(config["head_start_ray_commands"])
    assert "--dashboard-host=127.0.0.1" in head  # reached through `ray dashboard` (SSH tunnel) only
    if config["provider"]["type"] != "local":
        workers = [t for name, t in config["available_node_types"].items() if name != config["head_node_type"]]
        assert workers and all(t["min_workers"] == 0 and t["max_workers"] >= 10 for t in workers)  # autoscaling
        node = workers[0]["node_config"]
        spot = node.get("InstanceMarketOptions", {}).get("MarketType") == "spot" or \
            any(s.get("preemptible") for s in node.get("scheduling", []))
        assert spot


@pytest.mark.parametrize("path", LAUNCHER, ids=lambda p: p.name)
def test_the_schema_check_catches_mistakes(path):
    config = yaml.safe_load(path.read_text())
    config["max_worker"] = 3  # a typo
    with pytest.raises(jsonschema.ValidationError):
        validate_config(prepare_config(config))


def _container(template: dict) -> dict:
    (container,) = template["spec"]["containers"]
    return container


@pytest.mark.parametrize("name", ["raycluster.yaml", "rayjob.yaml"])
def test_kuberay_manifests_have_required_fields(name):
    doc = yaml.safe_load((CLUSTERS / "kuberay" / name).read_text())
    assert doc["apiVersion"] == "ray.io/v1" and doc["metadata"]["name"]
    spec = doc["spec"]
    if doc["kind"] == "RayJob":
        assert spec["entrypoint"].startswith("rayga optimize ") and "--address auto" in spec["entrypoint"]
        assert spec["shutdownAfterJobFinishes"] is True
        spec = spec["rayClusterSpec"]
    else:
        assert doc["kind"] == "RayCluster"
    version = IMAGE.search((CLUSTERS / "Dockerfile").read_text()).group(1)
    assert spec["rayVersion"] == version
    head = spec["headGroupSpec"]
    assert isinstance(head["rayStartParams"], dict)
    assert head.get("serviceType", "ClusterIP") == "ClusterIP"  # never exposed outside the cluster
    for container in [_container(head["template"])] + [_container(g["template"]) for g in spec["workerGroupSpecs"]]:
        assert container["name"] and container["image"]
        assert container["resources"]["limits"]["cpu"] == container["resources"]["requests"]["cpu"]
        assert {"name": "NUMBA_CACHE_DIR", "value": "/tmp/rayga-numba"} in container["env"]
    for group in spec["workerGroupSpecs"]:
        assert group["groupName"] and isinstance(group["rayStartParams"], dict)
        assert 0 <= group["minReplicas"] <= group["replicas"] <= group["maxReplicas"]


def test_dockerfile_static_checks():
    text = (CLUSTERS / "Dockerfile").read_text()
    instructions = [line.split()[0] for line in text.splitlines() if line.strip() and not line.startswith("#")]
    assert instructions[0] == "FROM" and set(instructions) <= {"FROM", "ENV", "RUN", "COPY", "WORKDIR"}
    match = IMAGE.search(text)
    assert match, "starts from a pinned Ray image (rayproject/ray:X.Y.Z-py311)"
    import ray

    assert match.group(1) == ray.__version__  # the image runs the Ray version rayga is tested with
    assert re.search(r"^ENV NUMBA_CACHE_DIR=(\S+)$", text, re.M)
    cache = re.search(r"^ENV NUMBA_CACHE_DIR=(\S+)$", text, re.M).group(1)
    assert re.search(rf"^RUN mkdir -p {re.escape(cache)} && chmod 777 {re.escape(cache)}$", text, re.M)
    assert re.search(r"^COPY .*rayga /home/ray/rayga/rayga$", text, re.M)
    assert re.search(r"^RUN python -m pip install --no-cache-dir /home/ray/rayga", text, re.M)
    for copied in re.findall(r"^COPY \S+ (.+) /home/ray/rayga/?\S*$", text, re.M):
        for src in copied.split():
            assert (CLUSTERS.parent / src).exists(), f"COPY source {src} is missing from the repository"


SECRET = {"secretKeyRef": {"name": "rayga-ray-token", "key": "auth_token"}}
TOKEN_ENV = [{"name": "RAY_AUTH_MODE", "value": "token"}, {"name": "RAY_AUTH_TOKEN", "valueFrom": SECRET}]


@pytest.mark.parametrize("path", LAUNCHER, ids=lambda p: p.name)
def test_launcher_config_authenticates_nodes_and_a_submitted_driver(path):
    """Every node starts Ray in token mode (a worker's `ray start` does not look for the token by itself),
    and every node holds the user's token at Ray's default path, where a driver run by `ray submit` on the
    head (no Ray variable in its SSH shell) finds it."""
    config = yaml.safe_load(path.read_text())
    user = config["auth"]["ssh_user"]
    remote = {k for k, v in config["file_mounts"].items() if v == "~/.ray/auth_token"}
    assert remote and remote <= {"~/.ray/auth_token", f"/home/{user}/.ray/auth_token"}, config["file_mounts"]
    for key in ("head_start_ray_commands", "worker_start_ray_commands"):
        start = [c for c in config[key] if " start " in f" {c} "]
        assert start and all(re.search(r"export RAY_AUTH_MODE=token;[^;]*\bray start\b", c) for c in start), key
    assert any("chmod 600" in c and ".ray/auth_token" in c for c in config["setup_commands"])


@pytest.mark.parametrize("name", ["raycluster.yaml", "rayjob.yaml"])
def test_kuberay_manifests_give_every_ray_container_the_token(name):
    doc = yaml.safe_load((CLUSTERS / "kuberay" / name).read_text())
    spec = doc["spec"]
    containers = []
    if doc["kind"] == "RayJob":  # the submitter sends the job to the head's dashboard: it needs the token too
        containers.append(_container(spec["submitterPodTemplate"]))
        spec = spec["rayClusterSpec"]
    containers += [_container(spec["headGroupSpec"]["template"])]
    containers += [_container(g["template"]) for g in spec["workerGroupSpecs"]]
    for container in containers:
        assert all(e in container["env"] for e in TOKEN_ENV), container["name"]


def test_dockerfile_turns_token_mode_on_without_a_token():
    text = (CLUSTERS / "Dockerfile").read_text()
    assert re.search(r"^ENV RAY_AUTH_MODE=token$", text, re.M)
    assert "RAY_AUTH_TOKEN=" not in text and "auth_token" not in re.sub(r"#.*", "", text)  # never baked in
