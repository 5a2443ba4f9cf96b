#!/usr/bin/env python3
"""Every query parameter Merge's HRIS OpenAPI document lists for an endpoint the sandbox serves is
checked against the sandbox: honoured as documented, or answered with the error Merge would give.

The (endpoint, parameter) pairs come from the document (merge-hris-openapi.json beside this
file), not from a hand-kept list:

1. Every operation in the document is probed without credentials. The sandbox answers its own
   "Not found." 404 (or 405) for what it does not serve; anything else (normally 401) means it
   serves the operation, so its query parameters are checked.
2. Each pair is checked twice:
   - by its type in the document: an enum value outside the list, a malformed date-time, boolean,
     integer or UUID must get Merge's 400 (`{"detail": …}`);
   - by a rule saying what the parameter means, taken from its description: the filtered answer
     must equal what the check itself computes from the unfiltered data (other values of the
     same records, or another endpoint), and at least one value tried must actually change the
     answer where the data allows it.
   A pair without a rule FAILS: a parameter the sandbox starts to serve, or that a new copy of the
   document adds, cannot pass unnoticed.

Parameters that only Merge's newer docs export (merge-hris-openapi.docs.yaml) lists are added
from EXTRA_PARAMETERS and checked the same way.

Needs MERGE_SANDBOX_BASE_URL and MERGE_SANDBOX_API_KEY (scripts/conformance.sh sets them).
Exits 1 if any pair fails.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import sys
import uuid
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple

import sandbox_http as sb

SPEC_PATH = Path(__file__).with_name("merge-hris-openapi.json")
HRIS = "/hris/v1"
PAGE = 100

# In Merge's docs export (OAS-DOCS) but not in the JSON document: (path, name, schema).
EXTRA_PARAMETERS = [
    ("/employees", "employee_number", {"type": "string"}),
    *[(p, "include_shell_data", {"type": "boolean"})
      for p in ("/employees", "/employees/{id}", "/employments", "/locations", "/groups", "/companies")],
]

NOWHERE = str(uuid.UUID(int=0x5EED))
NO_TEXT = "no-such-value-in-the-sandbox"

Params = List[Tuple[str, str]]


class CheckFailed(AssertionError):
    pass


def check(condition: bool, message: str) -> None:
    if not condition:
        raise CheckFailed(message)


def parse_time(value: Optional[str]) -> Optional[dt.datetime]:
    if value is None:
        return None
    return dt.datetime.fromisoformat(value.replace("Z", "+00:00"))


def iso(t: dt.datetime) -> str:
    return t.astimezone(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


# --- talking to the sandbox --------------------------------------------------------------------


class Sandbox:
    def __init__(self) -> None:
        self.base, self.key = sb.config()
        self.cache: Dict[Tuple[str, Tuple[Tuple[str, str], ...], Optional[str]], List[dict]] = {}

    def get(self, path: str, params: Params, token: Optional[str]) -> sb.Response:
        return sb.request("GET", f"{self.base}{HRIS}{path}", api_key=self.key, account_token=token, params=params)

    def one(self, path: str, params: Params, token: Optional[str]) -> Any:
        res = self.get(path, params, token)
        check(res.status == 200, f"expected 200: {res.describe()}")
        return res.json()

    def pages(self, path: str, params: Params, token: Optional[str], page_size: int = PAGE) -> List[List[dict]]:
        """Every page of a list, following `next`."""
        out: List[List[dict]] = []
        cursor = None
        while True:
            query = [*params, ("page_size", str(page_size))] + ([("cursor", cursor)] if cursor else [])
            body = self.one(path, query, token)
            check(isinstance(body, dict) and isinstance(body.get("results"), list),
                  f"GET {path} {query}: not a paginated list")
            out.append(body["results"])
            cursor = body.get("next")
            if not cursor:
                return out
            check(len(out) < 500, f"GET {path} {params}: more than 500 pages")

    def all(self, path: str, params: Params, token: Optional[str]) -> List[dict]:
        key = (path, tuple(params), token)
        if key not in self.cache:
            self.cache[key] = [r for page in self.pages(path, params, token) for r in page]
        return self.cache[key]

    def probe(self, method: str, path: str) -> int:
        """The status an operation gets with no credentials; the sandbox's fallback is 404."""
        concrete = re.sub(r"\{[^}]+\}", NOWHERE, path)
        res = sb.request(method.upper(), f"{self.base}{HRIS}{concrete}")
        if res.status == 404:
            try:
                if res.json() == {"detail": "Not found."}:
                    return 404
            except ValueError:
                pass
            return 200
        return res.status


# --- the sandbox's data for the checks ---------------------------------------------------------


@dataclass
class Account:
    id: str
    token: str
    origin: str
    organization: str
    integration: str


class Fixture:
    """Linked accounts made for these checks: one whose workforce has moved on a few generations
    (hires, edits, leavers, deletions), and a few others for the organisation-wide lists."""

    def __init__(self, sandbox: Sandbox) -> None:
        self.sandbox = sandbox
        base, key = sandbox.base, sandbox.key
        self.main = self.link("conformance-params", "Params Ltd", "sage-hr", "acme", "demo-api-key")
        deleted = 0
        for _ in range(60):
            res = sb.request("POST", f"{sb.root_of(base)}/sandbox/v1/linked-accounts/{self.main.id}/advance",
                             api_key=key)
            deleted += sb.expect_json(res).get("deleted", 0)
            if deleted >= 2:
                break
        if deleted < 2:
            raise sb.SetupError("60 generations of the workforce deleted fewer than 2 people")
        sb.finish_sync(base, key, self.main.id)
        self.others = [
            self.link("conformance-params-a", "Params Ltd", "sage-hr", "initech", "demo-no-permissions"),
            self.link("conformance-params-b", "Other Params GmbH", "bamboohr", "initech", "demo-no-permissions"),
            self.link("conformance-params-c", "Other Params GmbH", "bamboohr", "initech", "demo-api-key"),
        ]
        res = sb.request("PUT", f"{sb.root_of(base)}/sandbox/v1/linked-accounts/{self.others[2].id}/faults",
                         api_key=key, json_body={"relink_needed": True})
        if res.status not in (200, 204):
            raise sb.SetupError(f"could not mark an account as needing relinking: {res.describe()}")
        self.accounts = [self.main, *self.others]

    def link(self, origin: str, organization: str, integration: str, subdomain: str, secret: str) -> Account:
        body = {**sb.end_user(origin), "end_user_organization_name": organization,
                "end_user_email_address": f"hr@{origin}.example", "integration": integration,
                "credentials": {"subdomain": subdomain, "api_key": secret}}
        res = sb.request("POST", f"{self.sandbox.base}/integrations/bootstrap-linked-account",
                         api_key=self.sandbox.key, json_body=body)
        linked = sb.expect_json(res)
        sb.finish_sync(self.sandbox.base, self.sandbox.key, linked["id"])
        return Account(linked["id"], linked["account_token"], origin, organization,
                       linked["integration"]["name"])


# --- rules -------------------------------------------------------------------------------------


@dataclass
class Ctx:
    sandbox: Sandbox
    fx: Fixture
    path: str
    param: str
    schema: dict
    token: Optional[str]
    base: Params = field(default_factory=list)

    def all(self, extra: Params = ()) -> List[dict]:
        return self.sandbox.all(self.path, [*self.base, *extra], self.token)

    def with_param(self, value: str, extra: Params = ()) -> List[dict]:
        return self.all([*extra, (self.param, value)])

    def enum_atoms(self) -> List[str]:
        values = self.schema.get("enum") or []
        return sorted({a for v in values for a in v.split(",")})

    def ask(self, params: Params) -> sb.Response:
        return self.sandbox.get(self.path, [*self.base, *params], self.token)


def key_of(record: dict) -> str:
    return record.get("id") or record.get("model_id") or json.dumps(record, sort_keys=True)


def keys(records: Sequence[dict]) -> List[str]:
    return [key_of(r) for r in records]


def same_records(got: List[dict], want: List[dict], what: str) -> None:
    g, w = keys(got), keys(want)
    if g == w:
        return
    missing = [k for k in w if k not in set(g)]
    extra = [k for k in g if k not in set(w)]
    check(False, f"{what}: {len(g)} records, expected {len(w)} "
                 f"({len(missing)} missing, e.g. {missing[:2]}; {len(extra)} unexpected, e.g. {extra[:2]}"
                 + ("; same records in another order" if not missing and not extra else "") + ")")


Predicate = Callable[[dict, str], bool]


def filter_rule(ctx: Ctx, values: List[str], keep: Predicate, *, source: Params = (),
                needs_effect: bool = True) -> str:
    """The answer for each value must be exactly the unfiltered records that `keep` accepts, in
    the same order; `source` adds parameters (e.g. an expansion) to the unfiltered fetch only."""
    everything = ctx.all(source)
    changed = matched = False
    for value in values:
        want = [r for r in everything if keep(r, value)]
        same_records(ctx.with_param(value), want, f"{ctx.param}={value!r}")
        changed |= len(want) != len(everything)
        matched |= bool(want)
    if needs_effect:
        check(changed and matched, f"no value tried both kept and dropped records ({values}): the check proves nothing")
    return f"{len(values)} values against {len(everything)} records"


def common(records: List[dict], get: Callable[[dict], Any]) -> Any:
    """The most frequent value that not every record shares (or the only one)."""
    counts = Counter(v for r in records for v in _as_list(get(r)) if v is not None)
    check(bool(counts), "no record has a value to filter on")
    ranked = [v for v, n in counts.most_common() if n < len(records)]
    return ranked[0] if ranked else counts.most_common(1)[0][0]


def _as_list(v: Any) -> List[Any]:
    return v if isinstance(v, list) else [v]


def equals(get: Callable[[dict], Any], *, source: Params = ()):
    def rule(ctx: Ctx) -> str:
        value = common(ctx.all(source), get)
        return filter_rule(ctx, [value, NO_TEXT if not _looks_like_uuid(value) else NOWHERE],
                           lambda r, v: v in _as_list(get(r)), source=source)
    return rule


def any_of(get: Callable[[dict], Any]):
    """Comma-separated values: records matching any of them."""
    def rule(ctx: Ctx) -> str:
        records = ctx.all()
        counts = Counter(v for r in records for v in _as_list(get(r)) if v is not None)
        two = [v for v, _ in counts.most_common(2)]
        values = [two[0], ",".join(two), NO_TEXT if not _looks_like_uuid(two[0]) else NOWHERE]
        return filter_rule(ctx, values, lambda r, v: bool(set(v.split(",")) & set(_as_list(get(r)))))
    return rule


def _looks_like_uuid(v: Any) -> bool:
    try:
        uuid.UUID(str(v))
        return True
    except ValueError:
        return False


def choice(get: Callable[[dict], Any]):
    def rule(ctx: Ctx) -> str:
        return filter_rule(ctx, list(ctx.schema["enum"]), lambda r, v: get(r) == v)
    return rule


def flag(get: Callable[[dict], Any]):
    def rule(ctx: Ctx) -> str:
        return filter_rule(ctx, ["true", "false"], lambda r, v: bool(get(r)) == (v == "true"))
    return rule


def time_rule(get: Callable[[dict], Optional[str]], after: bool, *, needs_effect: bool = True):
    """Strictly after/before the given time; records without a time never match."""
    def rule(ctx: Ctx) -> str:
        times = sorted({t for r in ctx.all() if (t := parse_time(get(r))) is not None})
        check(bool(times), "no record has this time")
        second = dt.timedelta(seconds=1)
        values = [times[0] - second, times[len(times) // 2], times[-1], times[-1] + second]

        def keep(r: dict, v: str) -> bool:
            t = parse_time(get(r))
            return t is not None and (t > parse_time(v) if after else t < parse_time(v))

        return filter_rule(ctx, [iso(t) for t in values], keep, needs_effect=needs_effect)
    return rule


def pagination(ctx: Ctx) -> str:
    """`page_size` pages hold exactly that many records (the last at most), and following each
    page's `cursor` walks the whole list once, in order."""
    everything = ctx.all()
    size = max(1, min(7, len(everything) // 3))
    pages = ctx.sandbox.pages(ctx.path, ctx.base, ctx.token, page_size=size)
    # A list of one (the company) cannot show more than that it fits on one page.
    check(len(everything) > size or len(everything) == 1,
          f"only {len(everything)} records: paging is not exercised")
    for i, page in enumerate(pages):
        check(len(page) == size or (i == len(pages) - 1 and len(page) <= size),
              f"page {i + 1} of {len(pages)} holds {len(page)} records at page_size={size}")
    same_records([r for p in pages for r in p], everything, f"pages of {size} followed by cursor")
    bad = ctx.ask([("cursor", "not a cursor")])
    check(bad.status in (400, 404), f"an invalid cursor answered {bad.status}, expected 400 or 404")
    return f"{len(pages)} pages of {size}"


def include_deleted(ctx: Ctx) -> str:
    everything = ctx.with_param("true")
    want = [r for r in everything if not r.get("remote_was_deleted")]
    same_records(ctx.all(), want, "without include_deleted_data")
    same_records(ctx.with_param("false"), want, "include_deleted_data=false")
    deleted = len(everything) - len(want)
    if ctx.path in ("/employees", "/employments"):
        check(deleted > 0, "include_deleted_data=true listed no deleted record: the check proves nothing")
    return f"{deleted} deleted records shown only with true" if deleted else "nothing here is ever deleted"


def differs_only_in(got: List[dict], want: List[dict], what: str) -> None:
    same_records(got, want, what)
    for g, w in zip(got, want):
        check(g == w, f"{what}: record {key_of(w)} is {json.dumps(g)[:300]}, expected {json.dumps(w)[:300]}")


def include_remote_data(ctx: Ctx) -> str:
    plain = ctx.all()
    remote = ctx.with_param("true")
    check(all(r.get("remote_data") is None for r in plain), "remote_data is not null without include_remote_data")
    for r in remote:
        data = r.get("remote_data")
        check(isinstance(data, list) and data and all(
            isinstance(d, dict) and isinstance(d.get("path"), str) and isinstance(d.get("data"), dict) for d in data),
            f"include_remote_data=true: record {key_of(r)} has remote_data {data!r:.200}, expected [{{path, data}}, …]")
    differs_only_in([{**r, "remote_data": None} for r in remote], plain, "include_remote_data=true, remote_data aside")
    differs_only_in(ctx.with_param("false"), plain, "include_remote_data=false")
    return f"{len(remote)} records with remote data"


def include_sensitive(ctx: Ctx) -> str:
    plain = ctx.all()
    sensitive = ctx.with_param("true")
    check(all(r.get("ssn") is None for r in plain), "ssn returned without include_sensitive_fields")
    check(all(r.get("ssn") for r in sensitive), "include_sensitive_fields=true left an ssn empty")
    differs_only_in([{**r, "ssn": None} for r in sensitive], plain, "include_sensitive_fields=true, ssn aside")
    differs_only_in(ctx.with_param("false"), plain, "include_sensitive_fields=false")
    return f"ssn on {len(sensitive)} records only when asked"


def enum_origins(ctx: Ctx) -> str:
    """Each field named shows the HR system's own value, the one remote data carries; the others
    and every other field stay as they were."""
    remote = [("include_remote_data", "true")]
    base = ctx.all(remote)
    atoms = ctx.enum_atoms()
    check(bool(atoms), "the document lists no enum fields")

    def expected(fields: List[str]) -> List[dict]:
        out = []
        for r in base:
            raw = (r.get("remote_data") or [{}])[0].get("data") or {}
            out.append({**r, **{f: raw.get(f) for f in fields if r.get(f) is not None}})
        return out

    for f in atoms:
        want = expected([f])
        check(any(w[f] != r[f] for w, r in zip(want, base)), f"no record's {f} differs from its origin: proves nothing")
        differs_only_in(ctx.all([*remote, (ctx.param, f)]), want, f"{ctx.param}={f}")
    differs_only_in(ctx.all([*remote, (ctx.param, ",".join(atoms))]), expected(atoms), f"{ctx.param}={','.join(atoms)}")
    differs_only_in(ctx.all([*remote, *[(ctx.param, f) for f in atoms]]), expected(atoms), f"{ctx.param} repeated")
    return f"{len(atoms)} fields one by one, together and repeated"


def expand(ctx: Ctx) -> str:
    """Each relation comes back as the object (or objects) with the id it had unexpanded; nothing
    else changes. Comma-joined and repeated forms both work."""
    plain = ctx.all()
    atoms = ctx.enum_atoms()

    def expected(names: List[str], got: List[dict]) -> List[dict]:
        out = []
        for r, g in zip(plain, got):
            e = dict(r)
            for n in names:
                ids, value = r.get(n), g.get(n)
                where = f"expand={n}: record {key_of(r)} has {n} {value!r:.100} where unexpanded it is {ids!r}"
                if isinstance(ids, list):
                    check(isinstance(value, list) and all(isinstance(x, dict) for x in value)
                          and [x.get("id") for x in value] == ids, where)
                elif ids is None:
                    check(value is None, where)
                else:
                    check(isinstance(value, dict) and value.get("id") == ids, where)
                e[n] = value
            out.append(e)
        return out

    for n in atoms:
        got = ctx.with_param(n)
        same_records(got, plain, f"expand={n}")
        check(any(r.get(n) for r in plain), f"no record has a {n} to expand: proves nothing")
        differs_only_in(got, expected([n], got), f"expand={n}")
    for label, params in (("comma-joined", [(ctx.param, ",".join(atoms))]), ("repeated", [(ctx.param, a) for a in atoms])):
        got = ctx.all(params)
        same_records(got, plain, f"expand {label}")
        differs_only_in(got, expected(atoms, got), f"expand {label}")
    return f"{len(atoms)} relations one by one, comma-joined and repeated"


def order_by(ctx: Ctx) -> str:
    plain = ctx.all()
    dates = lambda rs: [parse_time(r["effective_date"]) for r in rs]  # noqa: E731
    check(dates(plain) != sorted(dates(plain)), "the default order is already by effective_date: proves nothing")
    for value in ctx.schema["enum"]:
        got = ctx.with_param(value)
        check(sorted(keys(got)) == sorted(keys(plain)), f"order_by={value} lists other records than the default")
        want = sorted(dates(got), reverse=value.startswith("-"))
        check(dates(got) == want, f"order_by={value}: effective dates are not in that order")
    return "both directions, same records"


def no_shell_records(ctx: Ctx) -> str:
    """Shell records are records a provider lists with every field empty; the sandbox's HR systems
    fill every record, so the parameter is accepted and changes nothing."""
    plain = ctx.all()
    for value in ("true", "false"):
        differs_only_in(ctx.with_param(value), plain, f"include_shell_data={value}")
    return "accepted; there are no shell records"


# --- per endpoint ------------------------------------------------------------------------------


def employments_of(r: dict) -> List[dict]:
    return [e for e in r.get("employments") or [] if isinstance(e, dict)]


EXPAND_EMPLOYMENTS: Params = [("expand", "employments")]

LIST_COMMON: Dict[str, Callable[[Ctx], str]] = {
    "cursor": pagination,
    "page_size": pagination,
    "created_after": time_rule(lambda r: r["created_at"], True),
    "created_before": time_rule(lambda r: r["created_at"], False),
    "modified_after": time_rule(lambda r: r["modified_at"], True),
    "modified_before": time_rule(lambda r: r["modified_at"], False),
    "include_deleted_data": include_deleted,
    "include_remote_data": include_remote_data,
    "include_shell_data": no_shell_records,
    "remote_id": equals(lambda r: r["remote_id"]),
    "show_enum_origins": enum_origins,
    "remote_fields": enum_origins,
    "expand": expand,
}

RULES: Dict[str, Dict[str, Callable[[Ctx], str]]] = {
    "/employees": {
        **LIST_COMMON,
        "company_id": equals(lambda r: r["company"]),
        "display_full_name": equals(lambda r: r["display_full_name"]),
        "employee_number": equals(lambda r: r["employee_number"]),
        "employment_status": choice(lambda r: r["employment_status"]),
        "employment_type": equals(lambda r: [e["employment_type"] for e in employments_of(r)], source=EXPAND_EMPLOYMENTS),
        "first_name": equals(lambda r: r["first_name"]),
        "groups": any_of(lambda r: r["groups"]),
        "home_location_id": equals(lambda r: r["home_location"]),
        "include_sensitive_fields": include_sensitive,
        "job_title": equals(lambda r: [e["job_title"] for e in employments_of(r)], source=EXPAND_EMPLOYMENTS),
        "last_name": equals(lambda r: r["last_name"]),
        "manager_id": equals(lambda r: r["manager"]),
        "pay_group_id": equals(lambda r: r["pay_group"]),
        "personal_email": equals(lambda r: r["personal_email"]),
        "started_after": time_rule(lambda r: r["start_date"], True),
        "started_before": time_rule(lambda r: r["start_date"], False),
        "team_id": equals(lambda r: r["team"]),
        "terminated_after": time_rule(lambda r: r["termination_date"], True),
        "terminated_before": time_rule(lambda r: r["termination_date"], False),
        "work_email": equals(lambda r: r["work_email"]),
        "work_location_id": equals(lambda r: r["work_location"]),
    },
    "/employments": {
        **LIST_COMMON,
        "employee_id": equals(lambda r: r["employee"]),
        "order_by": order_by,
    },
    "/teams": {**LIST_COMMON, "parent_team_id": equals(lambda r: r["parent_team"])},
    "/locations": {**LIST_COMMON, "location_type": choice(lambda r: r["location_type"])},
    "/groups": {
        **LIST_COMMON,
        "is_commonly_used_as_team": flag(lambda r: r["is_commonly_used_as_team"]),
        "names": any_of(lambda r: r["name"]),
        "types": any_of(lambda r: r["type"]),
    },
    "/companies": dict(LIST_COMMON),
    "/sync-status": {"cursor": pagination, "page_size": pagination},
}


def retrieve_like_list(ctx: Ctx) -> str:
    """`GET /employees/{id}` with the parameter returns what the list returns with it (the list's
    own checks tie that to the unfiltered data), and the parameter changes the answer."""
    listed = ctx.sandbox.all("/employees", [], ctx.token)
    sample = [r["id"] for r in listed if r.get("manager")][:4]
    if ctx.param in ("expand", "show_enum_origins", "remote_fields"):
        atoms = ctx.enum_atoms()
        values = [*atoms, ",".join(atoms)]
    else:
        values = ["true"]
    if ctx.param == "include_shell_data":
        values = ["true", "false"]
    changed = False
    for value in values:
        params = [(ctx.param, value)]
        if ctx.param in ("show_enum_origins", "remote_fields"):
            params.append(("include_remote_data", "true"))
        by_id = {key_of(r): r for r in ctx.sandbox.all("/employees", params, ctx.token)}
        for eid in sample:
            got = ctx.sandbox.one(f"/employees/{eid}", params, ctx.token)
            check(got == by_id[eid], f"{ctx.param}={value}: /employees/{eid} differs from the list's record")
            changed |= got != ctx.sandbox.one(f"/employees/{eid}", [], ctx.token)
    if ctx.param != "include_shell_data":
        check(changed, f"{ctx.param} changed no record: the check proves nothing")
    return f"{len(values)} values on {len(sample)} employees"


RULES["/employees/{id}"] = {
    name: retrieve_like_list
    for name in ("expand", "include_remote_data", "include_sensitive_fields", "remote_fields",
                 "show_enum_origins", "include_shell_data")
}


# Organisation-wide lists: issues and linked accounts.


def issue_account(ctx: Ctx) -> Dict[str, dict]:
    """Linked accounts by end-user origin id (issues name their end user, not their account)."""
    accounts = ctx.sandbox.all("/linked-accounts", [("is_test_account", "true")], None)
    return {a["end_user_origin_id"]: a for a in accounts}


def issues_by_account(attribute: Callable[[Account], str]):
    def rule(ctx: Ctx) -> str:
        mine = {a.origin: a for a in ctx.fx.accounts}
        value = attribute(ctx.fx.others[0])
        return filter_rule(ctx, [value, NO_TEXT], lambda r, v: (
            r["end_user"]["end_user_origin_id"] in mine and attribute(mine[r["end_user"]["end_user_origin_id"]]) == v))
    return rule


def issues_integration(ctx: Ctx) -> str:
    accounts = issue_account(ctx)
    integration = lambda r: accounts[r["end_user"]["end_user_origin_id"]]["integration"]["name"]  # noqa: E731
    return filter_rule(ctx, ["Sage HR", "BambooHR", NO_TEXT], lambda r, v: integration(r) == v)


def include_muted(ctx: Ctx) -> str:
    return filter_rule(ctx, ["true", "false"], lambda r, v: v == "true" or not r.get("is_muted"),
                       needs_effect=any(r.get("is_muted") for r in ctx.all([("include_muted", "true")])))


RULES["/issues"] = {
    "cursor": pagination,
    "page_size": pagination,
    "account_token": issues_by_account(lambda a: a.token),
    "linked_account_id": issues_by_account(lambda a: a.id),
    "end_user_organization_name": equals(lambda r: r["end_user"]["end_user_organization_name"]),
    "integration_name": issues_integration,
    "status": choice(lambda r: r["status"]),
    "include_muted": include_muted,
    # "Most recent action": the last incident.
    "start_date": time_rule(lambda r: r["last_incident_time"], True),
    "end_date": time_rule(lambda r: r["last_incident_time"], False),
    "first_incident_time_after": time_rule(lambda r: r["first_incident_time"], True),
    "first_incident_time_before": time_rule(lambda r: r["first_incident_time"], False),
    "last_incident_time_after": time_rule(lambda r: r["last_incident_time"], True),
    "last_incident_time_before": time_rule(lambda r: r["last_incident_time"], False),
}


def is_test_account(ctx: Ctx) -> str:
    """Documented: with it, only test accounts; without, only the others. Every sandbox account
    is a test account (account_type TEST)."""
    tests = ctx.with_param("true")
    check(bool(tests) and all(a["account_type"] == "TEST" for a in tests),
          "is_test_account=true did not list only test accounts")
    check({a.id for a in ctx.fx.accounts} <= set(keys(tests)), "is_test_account=true misses this check's accounts")
    for label, records in (("without is_test_account", ctx.all()), ("is_test_account=false", ctx.with_param("false"))):
        check(all(a["account_type"] != "TEST" for a in records), f"{label} listed test accounts")
    return f"{len(tests)} test accounts, listed only when asked"


def include_duplicates(ctx: Ctx) -> str:
    """Merge adds production duplicates of the account named by `id`, which must be a complete
    production account. Sandbox accounts are test accounts, so Merge's 400 is the answer."""
    ids = [("id", ctx.fx.main.id), ("is_test_account", "true")]
    for params in (ids + [(ctx.param, "true")], [(ctx.param, "true")]):
        res = ctx.sandbox.get(ctx.path, params, None)
        check(res.status == 400 and isinstance(res.json(), dict) and "detail" in res.json(),
              f"{params}: expected 400 with detail, got {res.describe()}")
    same_records(ctx.with_param("false"), ctx.all(), "include_duplicates=false")
    return "true answers 400 (no production accounts); false changes nothing"


LINKED_BASE: Params = [("is_test_account", "true")]

RULES["/linked-accounts"] = {
    "cursor": pagination,
    "page_size": pagination,
    "category": choice(lambda a: a["category"]),
    "end_user_email_address": equals(lambda a: a["end_user_email_address"]),
    "end_user_organization_name": equals(lambda a: a["end_user_organization_name"]),
    "end_user_origin_id": equals(lambda a: a["end_user_origin_id"]),
    "end_user_origin_ids": any_of(lambda a: a["end_user_origin_id"]),
    "id": equals(lambda a: a["id"]),
    "ids": any_of(lambda a: a["id"]),
    "integration_name": equals(lambda a: a["integration"]["name"]),
    "status": lambda ctx: filter_rule(ctx, ["COMPLETE", "INCOMPLETE", "RELINK_NEEDED", NO_TEXT],
                                      lambda a, v: a["status"] == v),
    "is_test_account": is_test_account,
    "include_duplicates": include_duplicates,
}


# --- checks derived from each parameter's type -------------------------------------------------


def type_checks(schema: dict) -> List[Tuple[str, str]]:
    """Values the document's type for a parameter rules out, each of which must get a 400."""
    out = []
    if schema.get("enum"):
        out.append(("a value outside its enum", "not-a-documented-choice"))
    fmt, typ = schema.get("format"), schema.get("type")
    if fmt == "date-time":
        out.append(("a malformed date-time", "not-a-date"))
    if fmt == "uuid":
        out.append(("a malformed UUID", "not-a-uuid"))
    if typ == "boolean":
        out.append(("a non-boolean", "maybe"))
    if typ == "integer":
        out.append(("a non-integer", "several"))
    return out


def refused(ctx: Ctx, value: str) -> None:
    params = [(ctx.param, value)]
    if ctx.path == "/employees/{id}":
        eid = ctx.sandbox.all("/employees", [], ctx.token)[0]["id"]
        res = ctx.sandbox.get(f"/employees/{eid}", params, ctx.token)
    else:
        res = ctx.ask(params)
    body = None
    try:
        body = res.json()
    except ValueError:
        pass
    check(res.status == 400 and isinstance(body, dict) and isinstance(body.get("detail"), str),
          f"{ctx.param}={value!r}: expected 400 {{\"detail\": …}}, got {res.describe()}")


# --- driver ------------------------------------------------------------------------------------


def served_parameters(spec: dict, sandbox: Sandbox) -> Tuple[List[Tuple[str, str, str, dict]], List[str]]:
    """(method, path, name, schema) for every query parameter of every operation the sandbox
    serves, and the operations it does not serve."""
    pairs, unserved = [], []
    extra: Dict[str, List[Tuple[str, dict]]] = {}
    for path, name, schema in EXTRA_PARAMETERS:
        extra.setdefault(path, []).append((name, schema))
    for path, item in spec["paths"].items():
        for method, op in item.items():
            if method not in ("get", "post", "put", "patch", "delete"):
                continue
            if sandbox.probe(method, path) in (404, 405):
                unserved.append(f"{method.upper()} {path}")
                continue
            params = [(p["name"], p.get("schema", {})) for p in op.get("parameters", []) if p.get("in") == "query"]
            if method == "get":
                params += [e for e in extra.get(path, []) if e[0] not in {n for n, _ in params}]
            pairs += [(method.upper(), path, name, schema) for name, schema in params]
    return pairs, unserved


def main() -> int:
    spec = json.loads(SPEC_PATH.read_text(encoding="utf-8"))
    sandbox = Sandbox()
    print(f"Parameter check: every query parameter {SPEC_PATH.name} lists for what the sandbox serves")
    pairs, unserved = served_parameters(spec, sandbox)
    served_ops = sorted({f"{m} {p}" for m, p, _, _ in pairs})
    print(f"  {len(served_ops)} served operations take {len(pairs)} query parameters: {', '.join(served_ops)}; "
          f"{len(unserved)} operations in the document are not served")
    if not any(p == "/employees" for _, p, _, _ in pairs):
        print("  FAIL the probe found no served /employees: the sandbox is not answering as expected")
        return 1
    try:
        fx = Fixture(sandbox)
    except (sb.SetupError, CheckFailed) as err:
        print(f"  FAIL set-up: {err}")
        return 1

    failures = []
    for method, path, name, schema in pairs:
        label = f"{method} {path} {name}"
        if method != "GET":
            failures.append(label)
            print(f"  FAIL {label}: no rule for query parameters of {method} operations")
            continue
        org_wide = path in ("/issues", "/linked-accounts")
        ctx = Ctx(sandbox, fx, path, name, schema, None if org_wide else fx.main.token,
                  list(LINKED_BASE) if path == "/linked-accounts" and name != "is_test_account" else [])
        try:
            done = []
            for what, value in type_checks(schema):
                refused(ctx, value)
                done.append(f"{what} -> 400")
            rule = RULES.get(path, {}).get(name)
            if rule is None:
                raise CheckFailed("no rule says what this documented parameter means, so the sandbox's "
                                  "handling of it is unchecked")
            done.insert(0, rule(ctx))
            print(f"  ok   {label}: {'; '.join(done)}")
        except CheckFailed as err:
            failures.append(label)
            print(f"  FAIL {label}: {err}")
        except Exception as err:  # noqa: BLE001 - any surprise is a failure of this pair
            failures.append(label)
            print(f"  FAIL {label}: {type(err).__name__}: {err}")
    if failures:
        print(f"Parameter check: FAIL, {len(failures)} of {len(pairs)} parameters")
        return 1
    print(f"Parameter check: all {len(pairs)} parameters honoured or refused as documented")
    return 0


if __name__ == "__main__":
    sys.exit(main())
