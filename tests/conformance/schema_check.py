#!/usr/bin/env python3
"""Validates the sandbox's raw JSON responses against Merge's official HRIS OpenAPI schemas.

The spec is the copy beside this file (merge-hris-openapi.json, OpenAPI 3.0.3, copied from
Merge's published HRIS spec), validated with openapi-schema-validator's OAS 3.0 *read* validator
(response semantics: `nullable`, `readOnly`, OAS formats such as uuid, date-time, email and
double are enforced; `uri` is not, since that needs an extra package). References are resolved
through a `referencing` registry holding the whole spec.

How the spec is read, where OAS 3.0 leaves room:

- `{"allOf": [{"$ref": "#/…/SomeEnum"}], "nullable": true}` (how Merge's spec writes a nullable
  enum) accepts null. openapi-schema-validator would otherwise apply the referenced enum to the
  null; OAS 3.0.3 says `nullable: true` adds null to the schema it sits on.
- Expanded relations: Merge's spec types every relation as a UUID string (or an array of them)
  and marks it with `x-merge-expands-to: <Model>`; the expanded form is not described. Responses
  fetched *without* `expand` are validated strictly against the spec as published. Responses
  fetched *with* `expand` are validated against a derived copy of the spec in which each such
  property accepts either the original id form or the target model's schema
  (`anyOf: [<original>, {"$ref": "#/components/schemas/<Model>"}]`, per item for arrays), so the
  expanded objects are validated too; the check also verifies that requested expansions were
  actually applied.
- `/api/integrations` and `/api/organizations/integrations` are outside the HRIS spec; their
  items are validated as `AccountIntegration` (the integration object the spec defines), the
  first as a bare array, the second inside the usual paginated envelope.
- Every paginated list must carry `next`, `previous` and `results` (the spec lists them without
  `required`; Merge always sends all three and the SDKs' pagers read them).

Every violation is reported with the endpoint, the JSON path and the reason; identical
violations on many records are grouped with a count. Exits 1 if there is any violation.

Needs MERGE_SANDBOX_BASE_URL and MERGE_SANDBOX_API_KEY (scripts/conformance.sh sets them).
"""

from __future__ import annotations

import copy
import json
import re
import sys
from collections import OrderedDict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, Iterator, List, Optional, Sequence, Tuple

from jsonschema import validators
from jsonschema.exceptions import ValidationError
from openapi_schema_validator import OAS30ReadValidator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT4

import sandbox_http as sb

SPEC_PATH = Path(__file__).with_name("merge-hris-openapi.json")
STRICT = "urn:merge-hris-openapi"
EXPANDED = "urn:merge-hris-openapi-expanded"
EMPLOYEE_EXPANDS = ["company", "employments", "groups", "home_location", "manager", "pay_group", "team", "work_location"]
MAX_PAGES = 200


# --- the validator -----------------------------------------------------------------------------


def _null_aware(keyword):
    """`nullable: true` beside allOf/anyOf/oneOf admits null (OAS 3.0.3)."""

    def check(validator, value, instance, schema):
        if instance is None and schema.get("nullable") is True:
            return
        yield from keyword(validator, value, instance, schema)

    return check


_base = OAS30ReadValidator.VALIDATORS
Validator = validators.extend(
    OAS30ReadValidator,
    {name: _null_aware(_base[name]) for name in ("allOf", "anyOf", "oneOf")},
)


def with_expansions(spec: dict) -> dict:
    """A copy of the spec whose `x-merge-expands-to` properties also accept the expanded model."""
    out = copy.deepcopy(spec)
    for schema in out["components"]["schemas"].values():
        for name, prop in list(schema.get("properties", {}).items()):
            target = prop.get("x-merge-expands-to")
            if not target:
                continue
            model = {"$ref": f"#/components/schemas/{target}"}
            if prop.get("type") == "array":
                prop["items"] = {"anyOf": [prop["items"], model]}
            else:
                schema["properties"][name] = {"anyOf": [prop, model], "nullable": bool(prop.get("nullable"))}
    return out


class Schemas:
    def __init__(self, spec: dict) -> None:
        self.spec = spec
        self.registry = Registry().with_resources(
            [
                (STRICT, Resource.from_contents(spec, default_specification=DRAFT4)),
                (EXPANDED, Resource.from_contents(with_expansions(spec), default_specification=DRAFT4)),
            ]
        )

    def component(self, name: str, expanded: bool = False) -> dict:
        if name not in self.spec["components"]["schemas"]:
            raise KeyError(f"no component schema {name!r} in {SPEC_PATH.name}")
        return {"$ref": f"{EXPANDED if expanded else STRICT}#/components/schemas/{name}"}

    def errors(self, schema: dict, instance: Any) -> Iterator[ValidationError]:
        v = Validator(schema, registry=self.registry, format_checker=OAS30ReadValidator.FORMAT_CHECKER)
        yield from v.iter_errors(instance)


def paginated(item_schema: dict) -> dict:
    return {
        "type": "object",
        "properties": {
            "next": {"type": "string", "nullable": True},
            "previous": {"type": "string", "nullable": True},
            "results": {"type": "array", "items": item_schema},
        },
    }


# --- reporting ---------------------------------------------------------------------------------


def json_path(parts: Sequence[Any]) -> str:
    out = "$"
    for p in parts:
        out += f"[{p}]" if isinstance(p, int) else f".{p}"
    return out


def leaf_errors(err: ValidationError) -> List[ValidationError]:
    """For an `anyOf` between an id and an expanded object, the errors of the branch that fits the
    value's shape, so the report names the real field; otherwise the error itself."""
    if err.validator == "anyOf" and err.context:
        wanted = 1 if isinstance(err.instance, dict) else 0
        branch = [e for e in err.context if e.schema_path and e.schema_path[0] == wanted]
        if branch:
            return [leaf for e in branch for leaf in leaf_errors(e)]
    return [err]


@dataclass
class Violation:
    endpoint: str
    path: str  # list indices folded to [*]
    messages: List[str] = field(default_factory=list)
    at: List[str] = field(default_factory=list)  # concrete paths, in order seen


class Report:
    """Violations grouped by endpoint and field: one entry per field, however many records."""

    def __init__(self) -> None:
        self.violations: "OrderedDict[Tuple[str, str], Violation]" = OrderedDict()
        self._message_keys: Dict[Tuple[str, str], set] = {}
        self.checked: List[str] = []

    def add(self, endpoint: str, path: str, message: str, key: Optional[str] = None) -> None:
        generic = re.sub(r"\[\d+\]", "[*]", path)
        v = self.violations.setdefault((endpoint, generic), Violation(endpoint, generic))
        seen = self._message_keys.setdefault((endpoint, generic), set())
        if (key or message) not in seen:
            seen.add(key or message)
            v.messages.append(message)
        if path not in v.at:
            v.at.append(path)

    def add_schema_error(self, endpoint: str, err: ValidationError) -> None:
        for leaf in leaf_errors(err):
            schema_at = "/".join(str(p) for p in leaf.absolute_schema_path)
            # One message per failing schema keyword, not per (varying) offending value.
            self.add(endpoint, json_path(leaf.absolute_path), f"{leaf.message}  [schema: {schema_at}]",
                     key=f"{leaf.validator}:{schema_at}")

    def count(self) -> int:
        return sum(len(v.at) for v in self.violations.values())

    def print(self) -> None:
        for v in self.violations.values():
            where = v.path if len(v.at) == 1 else f"{v.path}  ({len(v.at)} places, e.g. {', '.join(v.at[:2])})"
            print(f"  VIOLATION {v.endpoint}\n      at {where}")
            for m in v.messages:
                print(f"      - {m}")


# --- the checks --------------------------------------------------------------------------------


class SchemaCheck:
    def __init__(self) -> None:
        self.base, self.key = sb.config()
        self.schemas = Schemas(json.loads(SPEC_PATH.read_text(encoding="utf-8")))
        self.report = Report()

    def fetch(
        self,
        label: str,
        method: str,
        path: str,
        schema: dict,
        *,
        token: Optional[str] = None,
        api_key: bool = True,
        params: Optional[List[Tuple[str, str]]] = None,
        body: Any = None,
        all_pages: bool = False,
        paged: bool = False,
    ) -> List[Any]:
        """Fetches (every page of) an endpoint, validates each body, and returns the bodies."""
        url = f"{self.base}{path}"
        bodies: List[Any] = []
        cursor: Optional[str] = None
        for page in range(1, MAX_PAGES + 1):
            query = list(params or []) + ([("cursor", cursor)] if cursor else [])
            res = sb.request(method, url, api_key=self.key if api_key else None, account_token=token,
                             params=query, json_body=body)
            if res.status != 200:
                self.report.add(label, "$", f"HTTP {res.status}, expected 200: {res.describe()}")
                break
            if "application/json" not in res.content_type:
                self.report.add(label, "$", f"Content-Type is {res.content_type!r}, expected application/json")
            try:
                data = res.json()
            except ValueError as err:
                self.report.add(label, "$", f"body is not JSON: {err}")
                break
            for err in self.schemas.errors(schema, data):
                self.report.add_schema_error(label, err)
            if paged:
                if not isinstance(data, dict):
                    break
                missing = [k for k in ("next", "previous", "results") if k not in data]
                if missing:
                    self.report.add(label, "$", f"paginated envelope lacks {missing}")
            bodies.append(data)
            cursor = data.get("next") if (all_pages and isinstance(data, dict)) else None
            if not cursor:
                break
        else:
            self.report.add(label, "$", f"more than {MAX_PAGES} pages: pagination does not end")
        self.report.checked.append(f"{label}: {len(bodies)} response(s)")
        return bodies

    def list_model(self, label: str, path: str, model: str, token: str, *, expand: Sequence[str] = (),
                   repeated: bool = False, extra: Sequence[Tuple[str, str]] = (), all_pages: bool = False) -> List[dict]:
        params = [("page_size", "100"), *extra]
        if expand:
            params += [("expand", e) for e in expand] if repeated else [("expand", ",".join(expand))]
        schema = self.schemas.component(f"Paginated{model}List", expanded=bool(expand))
        pages = self.fetch(label, "GET", path, schema, token=token, params=params, all_pages=all_pages, paged=True)
        records = [r for p in pages if isinstance(p, dict) for r in (p.get("results") or [])]
        if expand:
            self.expect_expanded(label, records, expand)
        return records

    def expect_expanded(self, label: str, records: List[dict], expand: Sequence[str]) -> None:
        for name in expand:
            values = [r.get(name) for r in records if isinstance(r, dict)]
            flat = [x for v in values for x in (v if isinstance(v, list) else [v]) if x is not None]
            if not flat:
                continue  # nothing to expand (e.g. no team has a parent)
            not_objects = [x for x in flat if not isinstance(x, dict)]
            if not_objects:
                self.report.add(label, f"$.results[*].{name}",
                                f"expand={name} requested but {len(not_objects)} of {len(flat)} values are not objects "
                                f"(e.g. {not_objects[0]!r})")

    def run(self) -> None:
        s = self.schemas
        # Organisation level: catalogue, linking.
        self.fetch("GET /integrations", "GET", "/integrations",
                   {"type": "array", "items": s.component("AccountIntegration")}, api_key=False)
        self.fetch("GET /organizations/integrations", "GET", "/organizations/integrations",
                   paginated(s.component("AccountIntegration")), params=[("page_size", "30")],
                   all_pages=True, paged=True)
        for path in ("/integrations/create-link-token", "/hris/v1/link-token"):
            self.fetch(f"POST {path}", "POST", path, s.component("LinkToken"),
                       body={**sb.end_user("conformance-schema-lt"), "integration": "sage-hr",
                             "should_create_magic_link_url": True})
            self.fetch(f"POST {path} (no integration)", "POST", path, s.component("LinkToken"),
                       body=sb.end_user("conformance-schema-lt2"))
        for i, path in enumerate(("/integrations/account-token/{}", "/hris/v1/account-token/{}")):
            public = sb.link_through_merge_link(self.base, self.key, f"conformance-schema-pt{i}", "acme")
            self.fetch(f"GET {path.format('{public_token}')}", "GET", path.format(public),
                       s.component("AccountToken"))

        bootstrapped = self.fetch("POST /integrations/bootstrap-linked-account", "POST",
                                  "/integrations/bootstrap-linked-account", s.component("AccountToken"),
                                  body=sb.bootstrap_body("conformance-schema", "globex"))
        if not bootstrapped or not isinstance(bootstrapped[0], dict) or "account_token" not in bootstrapped[0]:
            raise sb.SetupError("bootstrap-linked-account did not return an account token; cannot go on")
        token, account_id = bootstrapped[0]["account_token"], bootstrapped[0]["id"]

        # Sync status in both states, and force resync.
        self.fetch("GET /hris/v1/sync-status (syncing)", "GET", "/hris/v1/sync-status",
                   s.component("PaginatedSyncStatusList"), token=token, paged=True)
        sb.finish_sync(self.base, self.key, account_id)
        self.fetch("GET /hris/v1/sync-status (done)", "GET", "/hris/v1/sync-status",
                   s.component("PaginatedSyncStatusList"), token=token, paged=True)
        self.fetch("POST /hris/v1/sync-status/resync", "POST", "/hris/v1/sync-status/resync",
                   {"type": "array", "items": s.component("SyncStatus")}, token=token)
        sb.finish_sync(self.base, self.key, account_id)

        self.fetch("GET /hris/v1/account-details", "GET", "/hris/v1/account-details",
                   s.component("AccountDetails"), token=token)
        self.fetch("GET /hris/v1/linked-accounts", "GET", "/hris/v1/linked-accounts",
                   s.component("PaginatedAccountDetailsAndActionsList"),
                   params=[("page_size", "100"), ("is_test_account", "true")],
                   all_pages=True, paged=True)
        # An account whose HR-system user lacks permissions raises an Issue, so Issue is exercised.
        _, limited = sb.bootstrap(self.base, self.key, "conformance-schema-issues", "acme",
                                  api_key="demo-no-permissions")
        issues = self.fetch("GET /hris/v1/issues", "GET", "/hris/v1/issues", s.component("PaginatedIssueList"),
                            params=[("page_size", "100")], all_pages=True, paged=True)
        self.fetch("GET /hris/v1/issues?linked_account_id=…", "GET", "/hris/v1/issues",
                   s.component("PaginatedIssueList"), params=[("linked_account_id", limited["id"])], paged=True)
        if not any(isinstance(p, dict) and p.get("results") for p in issues):
            self.report.add("GET /hris/v1/issues", "$.results",
                            "no issue listed for a linked account with missing permissions; Issue went unchecked")
        self.fetch("GET /hris/v1/sync-status (missing permissions)", "GET", "/hris/v1/sync-status",
                   s.component("PaginatedSyncStatusList"), token=limited["account_token"], paged=True)
        self.list_model("GET /hris/v1/employments (missing permissions)", "/hris/v1/employments", "Employment",
                        limited["account_token"])

        # Common Models, strictly (no expand), every page of employees and locations.
        employees = self.list_model("GET /hris/v1/employees", "/hris/v1/employees", "Employee", token, all_pages=True)
        if len(employees) != 1200:
            self.report.add("GET /hris/v1/employees", "$.results",
                            f"{len(employees)} employees across all pages, expected 1200 (globex)")
        self.list_model("GET /hris/v1/employees include_sensitive_fields", "/hris/v1/employees", "Employee", token,
                        extra=[("include_sensitive_fields", "true")])
        self.list_model("GET /hris/v1/employees include_deleted_data", "/hris/v1/employees", "Employee", token,
                        extra=[("include_deleted_data", "true")])
        self.list_model("GET /hris/v1/employments", "/hris/v1/employments", "Employment", token)
        self.list_model("GET /hris/v1/teams", "/hris/v1/teams", "Team", token, all_pages=True)
        self.list_model("GET /hris/v1/locations", "/hris/v1/locations", "Location", token, all_pages=True)
        self.list_model("GET /hris/v1/groups", "/hris/v1/groups", "Group", token, all_pages=True)
        self.list_model("GET /hris/v1/companies", "/hris/v1/companies", "Company", token, all_pages=True)
        with_manager = next((e for e in employees if e.get("manager")), employees[0] if employees else None)
        if with_manager:
            eid = with_manager["id"]
            self.fetch("GET /hris/v1/employees/{id}", "GET", f"/hris/v1/employees/{eid}",
                       s.component("Employee"), token=token)
            one = self.fetch("GET /hris/v1/employees/{id} expand=manager,team", "GET", f"/hris/v1/employees/{eid}",
                             s.component("Employee", expanded=True), token=token,
                             params=[("expand", "manager,team")])
            self.expect_expanded("GET /hris/v1/employees/{id} expand=manager,team",
                                 [b for b in one if isinstance(b, dict)], ["manager", "team"])

        # Expanded responses, against the expansion-aware copy of the spec.
        self.list_model("GET /hris/v1/employees expand=<all>", "/hris/v1/employees", "Employee", token,
                        expand=EMPLOYEE_EXPANDS)
        self.list_model("GET /hris/v1/employees expand=manager&expand=team (repeated)", "/hris/v1/employees",
                        "Employee", token, expand=["manager", "team"], repeated=True, all_pages=True)
        self.list_model("GET /hris/v1/employments expand=employee,pay_group", "/hris/v1/employments",
                        "Employment", token, expand=["employee", "pay_group"])
        self.list_model("GET /hris/v1/teams expand=parent_team", "/hris/v1/teams", "Team", token,
                        expand=["parent_team"], all_pages=True)


def main() -> int:
    print(f"Schema check: sandbox responses against {SPEC_PATH.name} (OpenAPI 3.0.3)")
    check = SchemaCheck()
    try:
        check.run()
    except sb.SetupError as err:
        check.report.print()
        print(f"Schema check: FAILED in set-up: {err}")
        return 1
    for line in check.report.checked:
        print(f"  checked {line}")
    if check.report.violations:
        check.report.print()
        total = check.report.count()
        print(f"Schema check: FAIL, violations in {len(check.report.violations)} fields ({total} places in all)")
        return 1
    print(f"Schema check: all {len(check.report.checked)} endpoint checks conform")
    return 0


if __name__ == "__main__":
    sys.exit(main())
