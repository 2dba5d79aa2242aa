"""Ray's token authentication when rayga joins a running cluster: the token found where Ray looks for it,
token mode turned on before Ray connects (for this process and every process it starts), and one quiet call
to the cluster's GCS that turns a missing or wrong token into one line instead of Ray's retry warnings.

Ray (2.60) turns token authentication on for a cluster whose head finds a token at start (`ray start --head`
after any local `ray.init()` has written `~/.ray/auth_token`), but a driver joining it by an explicit address
(`--address HOST:PORT`, or `RAY_ADDRESS`) stays in Ray's default mode and is refused. This module imports no
Ray at module level: the CLI calls `use_cluster_token` before anything imports Ray.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from pathlib import Path

from rayga.errors import ConfigError

MODE_VAR = "RAY_AUTH_MODE"
TOKEN_VAR = "RAY_AUTH_TOKEN"
PATH_VAR = "RAY_AUTH_TOKEN_PATH"
PROBE_TIMEOUT_S = 10.0
# Any unary GCS call that needs no arguments would do; this is the first one Ray's own client makes.
_PROBE_METHOD = "/ray.rpc.NodeInfoGcsService/GetClusterId"
_FIX = (f"copy the head's token (`ray get-auth-token` on the head) into ~/.ray/auth_token, or set {TOKEN_VAR} "
        f"to it ({PATH_VAR} to a file holding it)")


@dataclass(frozen=True)
class Token:
    value: str
    source: str  # where it was read, as a user would name it


def default_token_path() -> Path:
    return Path.home() / ".ray" / "auth_token"


def find_token() -> Token | None:
    """The token Ray would use, in Ray's order: `RAY_AUTH_TOKEN`, the file `RAY_AUTH_TOKEN_PATH` names,
    `~/.ray/auth_token`. None when there is none."""
    value = os.environ.get(TOKEN_VAR, "").strip()
    if value:
        return Token(value, f"${TOKEN_VAR}")
    named = os.environ.get(PATH_VAR)
    if named:
        path = Path(named).expanduser()
        try:
            value = path.read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise ConfigError(f"{PATH_VAR}={named}: cannot read the token ({exc.strerror}); point it at the file "
                              f"holding the cluster's token or unset it") from None
        if not value:
            raise ConfigError(f"{PATH_VAR}={named}: the file is empty; put the cluster's token in it "
                              f"(`ray get-auth-token` on the head) or unset it")
        return Token(value, str(path))
    path = default_token_path()
    try:
        value = path.read_text(encoding="utf-8").strip()
    except OSError:
        return None
    return Token(value, str(path)) if value else None


def use_cluster_token() -> Token | None:
    """Before joining a running cluster: with `RAY_AUTH_MODE` unset and a token found, turn Ray's token mode
    on in this process's environment (inherited by everything it starts). The token to send, or None when
    the user's own `RAY_AUTH_MODE` says otherwise or there is no token."""
    mode = os.environ.get(MODE_VAR)
    if mode is not None:
        return find_token() if mode.strip().lower() == "token" else None
    token = find_token()
    if token is not None:
        os.environ[MODE_VAR] = "token"
        if "ray" in sys.modules:  # Ray has read its mode already: re-read it, as `ray.init` does for "auto"
            from ray._raylet import Config

            Config.initialize("")
    return token


def gcs_address(address: str) -> str | None:
    """The GCS `host:port` a `ray.init(address)` would join, or None when it cannot be told here (Ray client
    addresses, TLS, no running cluster found for "auto": `ray.init` then says what is wrong)."""
    if "://" in address or os.environ.get("RAY_USE_TLS", "0").lower() in ("1", "true"):
        return None
    if address == "auto" and os.environ.get("RAY_ADDRESS"):
        address = os.environ["RAY_ADDRESS"]
        if "://" in address:
            return None
    from ray._private.services import canonicalize_bootstrap_address

    try:
        return canonicalize_bootstrap_address(address)
    except Exception:  # noqa: BLE001 - no cluster found or a bad address: ray.init gives Ray's own message
        return None


def check_cluster_token(address: str, token: Token | None, timeout: float = PROBE_TIMEOUT_S) -> None:
    """One GCS call with the token Ray will send: a refusal becomes a ConfigError naming the fix, an address
    where nothing answers one naming the address. Anything else is left to `ray.init`."""
    import grpc

    target = gcs_address(address)
    if target is None:
        return
    shown = address if address != "auto" else os.environ.get("RAY_ADDRESS") or target  # as the user gave it
    metadata = [("authorization", f"Bearer {token.value}")] if token else []
    with grpc.insecure_channel(target) as channel:
        try:
            channel.unary_unary(_PROBE_METHOD)(b"", metadata=metadata, timeout=timeout, wait_for_ready=True)
        except grpc.RpcError as exc:
            code = exc.code()
            if code == grpc.StatusCode.UNAUTHENTICATED:
                raise ConfigError(refusal(shown, token)) from None
            if code in (grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.DEADLINE_EXCEEDED):
                raise ConfigError(f"no Ray cluster answers at {shown} (after {timeout:.0f} s): start one with "
                                  f"`ray start --head`, or check the address (--address or RAY_ADDRESS)") from None


def refusal(target: str, token: Token | None) -> str:
    """The one line for a cluster that refused the driver's token (or its lack of one)."""
    mode = os.environ.get(MODE_VAR, "")
    if token is None and mode and mode.strip().lower() != "token":
        return (f"the Ray cluster at {target} requires token authentication but {MODE_VAR}={mode} is set: "
                f"unset it (rayga then uses ~/.ray/auth_token) or set it to token")
    if token is None:
        return f"the Ray cluster at {target} requires token authentication and no token was found: {_FIX}"
    return f"the Ray cluster at {target} rejected the token from {token.source}: {_FIX}"


def http_headers() -> dict[str, str]:
    """Headers for the Ray dashboard's HTTP API (state API, jobs) with the token Ray would send."""
    token = find_token()
    return {"authorization": f"Bearer {token.value}"} if token else {}
