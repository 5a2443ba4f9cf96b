"""Plain-HTTP helpers shared by the conformance scripts (standard library only).

The scripts read where the sandbox is from the environment, as scripts/conformance.sh sets it:

- MERGE_SANDBOX_BASE_URL: the API base URL, e.g. http://127.0.0.1:4010/api
- MERGE_SANDBOX_API_KEY: the API key the sandbox accepts

Only test set-up goes through here (bootstrapping a linked account, ending its simulated sync,
completing the emulated Merge Link page); those are not part of Merge's HRIS API, so the SDK
has no methods for them.
"""

from __future__ import annotations

import json
import os
import sys
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from typing import Any, Iterable, Mapping, Optional, Sequence, Tuple, Union

TIMEOUT_SECS = 60

Params = Union[Mapping[str, Any], Sequence[Tuple[str, Any]], None]


class SetupError(RuntimeError):
    """The sandbox could not be prepared for a check."""


def config() -> Tuple[str, str]:
    base = os.environ.get("MERGE_SANDBOX_BASE_URL", "").rstrip("/")
    key = os.environ.get("MERGE_SANDBOX_API_KEY", "")
    if not base or not key:
        sys.exit(
            "MERGE_SANDBOX_BASE_URL and MERGE_SANDBOX_API_KEY must be set "
            "(scripts/conformance.sh sets them)."
        )
    return base, key


def root_of(base: str) -> str:
    """The server root: the base URL without its trailing /api."""
    return base[: -len("/api")] if base.endswith("/api") else base


@dataclass
class Response:
    method: str
    url: str
    status: int
    content_type: str
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body.decode("utf-8"))

    def describe(self) -> str:
        text = self.body.decode("utf-8", "replace")
        if len(text) > 500:
            text = text[:500] + "…"
        return f"{self.method} {self.url} -> {self.status} ({self.content_type or 'no content type'}): {text}"


def request(
    method: str,
    url: str,
    *,
    api_key: Optional[str] = None,
    account_token: Optional[str] = None,
    params: Params = None,
    json_body: Any = None,
    form: Optional[Mapping[str, str]] = None,
) -> Response:
    if params:
        pairs: Iterable[Tuple[str, Any]] = params.items() if isinstance(params, Mapping) else params
        url = f"{url}?{urllib.parse.urlencode([(k, str(v)) for k, v in pairs])}"
    headers = {"Accept": "application/json"}
    data = None
    if api_key is not None:
        headers["Authorization"] = f"Bearer {api_key}"
    if account_token is not None:
        headers["X-Account-Token"] = account_token
    if json_body is not None:
        data = json.dumps(json_body).encode("utf-8")
        headers["Content-Type"] = "application/json"
    elif form is not None:
        data = urllib.parse.urlencode(form).encode("utf-8")
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    req = urllib.request.Request(url, data=data, headers=headers, method=method)
    try:
        with urllib.request.urlopen(req, timeout=TIMEOUT_SECS) as res:
            return Response(method, url, res.status, res.headers.get("Content-Type", ""), res.read())
    except urllib.error.HTTPError as err:
        return Response(method, url, err.code, err.headers.get("Content-Type", ""), err.read())


def expect_json(res: Response, status: int = 200) -> Any:
    if res.status != status:
        raise SetupError(f"expected HTTP {status}: {res.describe()}")
    try:
        return res.json()
    except ValueError as err:
        raise SetupError(f"response is not JSON ({err}): {res.describe()}") from err


def end_user(origin_id: str) -> dict:
    return {
        "end_user_email_address": "hr@acme.example",
        "end_user_organization_name": "Acme Ltd",
        "end_user_origin_id": origin_id,
        "categories": ["hris"],
    }


def bootstrap_body(origin_id: str, subdomain: str, api_key: str = "demo-api-key") -> dict:
    return {
        **end_user(origin_id),
        "integration": "sage-hr",
        "credentials": {"subdomain": subdomain, "api_key": api_key},
    }


def bootstrap(
    base: str, key: str, origin_id: str, subdomain: str = "globex", api_key: str = "demo-api-key"
) -> Tuple[Response, dict]:
    """Links a Sage HR account with the sandbox's demo credentials (globex: 1,200 people;
    api_key "demo-no-permissions" links one whose HR-system user lacks permissions)."""
    res = request(
        "POST",
        f"{base}/integrations/bootstrap-linked-account",
        api_key=key,
        json_body=bootstrap_body(origin_id, subdomain, api_key),
    )
    body = expect_json(res)
    if not isinstance(body, dict) or not body.get("account_token") or not body.get("id"):
        raise SetupError(f"bootstrap answered without account_token/id: {res.describe()}")
    return res, body


def finish_sync(base: str, key: str, account_id: str) -> None:
    res = request("POST", f"{root_of(base)}/sandbox/v1/linked-accounts/{account_id}/finish-sync", api_key=key)
    if res.status not in (200, 204):
        raise SetupError(f"finish-sync failed: {res.describe()}")


def link_through_merge_link(base: str, key: str, origin_id: str, subdomain: str = "acme") -> str:
    """Creates a link token, completes the sandbox's emulated Merge Link page with the demo
    credentials, and returns the public token the frontend would receive."""
    body = {**end_user(origin_id), "integration": "sage-hr"}
    token = expect_json(request("POST", f"{base}/integrations/create-link-token", api_key=key, json_body=body))
    link_token = token.get("link_token") if isinstance(token, dict) else None
    if not link_token:
        raise SetupError(f"create-link-token returned no link_token: {token!r}")
    res = request(
        "POST",
        f"{root_of(base)}/link/{urllib.parse.quote(link_token)}",
        form={"subdomain": subdomain, "api_key": "demo-api-key", "action": "authorize"},
    )
    answer = expect_json(res)
    public_token = answer.get("public_token") if isinstance(answer, dict) else None
    if not public_token:
        raise SetupError(f"the Link page returned no public_token: {res.describe()}")
    return public_token
