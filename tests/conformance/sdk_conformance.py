#!/usr/bin/env python3
"""Merge's official Python SDK (PyPI `MergePythonClient`, import name `merge`), used unchanged
against the sandbox, exactly as a customer would use it against api.merge.dev: only `base_url`
differs.

Set-up that is not part of Merge's HRIS API (bootstrapping a linked account, ending its
simulated sync, completing the emulated Link page) goes over plain HTTP (sandbox_http.py).

Needs MERGE_SANDBOX_BASE_URL and MERGE_SANDBOX_API_KEY (scripts/conformance.sh sets them).
Exits 0 when every check passes, 1 otherwise, listing each failure.
"""

from __future__ import annotations

import datetime as dt
import enum
import sys
import traceback
import uuid
from typing import Callable, Dict, List, Tuple

import httpx
import pydantic
import merge
from merge import Merge
from merge.core.api_error import ApiError
from merge.core.pydantic_utilities import parse_obj_as
from merge.resources.hris import (
    AccountDetails,
    AccountDetailsAndActionsIntegration,
    AccountIntegration,
    CategoriesEnum,
    Employee,
    EmployeesListRequestExpandItem,
    EmploymentStatusEnum,
    LinkToken,
    PaginatedAccountDetailsAndActionsList,
    PaginatedEmployeeList,
    PaginatedEmploymentList,
    PaginatedIssueList,
    PaginatedSyncStatusList,
    PaginatedTeamList,
    SyncStatus,
    Team,
)

import sandbox_http as sb

EXPECTED_EMPLOYEES = 1200  # the "globex" demo subdomain
PAGE_SIZE = 100
EMPLOYMENT_STATUSES = {m.value for m in EmploymentStatusEnum}
SYNC_STATUSES = {"SYNCING", "DONE", "FAILED", "DISABLED", "PAUSED", "PARTIALLY_SYNCED"}


class CheckFailed(AssertionError):
    pass


def check(condition: bool, message: str) -> None:
    if not condition:
        raise CheckFailed(message)


def val(value: object) -> object:
    """An enum member's value (str() of a (str, Enum) member differs before Python 3.11)."""
    return value.value if isinstance(value, enum.Enum) else value


def is_uuid(value: object) -> bool:
    try:
        uuid.UUID(str(value))
        return True
    except ValueError:
        return False


def pydantic_problems(err: "pydantic.ValidationError") -> List[str]:
    """One line per distinct failing location (list indices folded to [*]), with a count."""
    grouped: Dict[str, Tuple[int, str]] = {}
    for e in err.errors():
        loc = ".".join("[*]" if isinstance(p, int) else str(p) for p in e["loc"]).replace(".[*]", "[*]")
        detail = f"{e['msg']} (got {e.get('input')!r:.60})"
        count, first = grouped.get(loc, (0, detail))
        grouped[loc] = (count + 1, first)
    return [f"{loc}: {detail}" + (f" (x{n})" if n > 1 else "") for loc, (n, detail) in grouped.items()]


class Conformance:
    def __init__(self) -> None:
        self.base, self.key = sb.config()
        _, linked = sb.bootstrap(self.base, self.key, origin_id="conformance-sdk", subdomain="globex")
        self.account_id: str = linked["id"]
        self.account_token: str = linked["account_token"]
        # The customer's code: nothing sandbox-specific except base_url.
        self.client = Merge(api_key=self.key, account_token=self.account_token, base_url=self.base)
        # An organisation-level client, as for endpoints that take only the API key.
        self.org_client = Merge(api_key=self.key, base_url=self.base)
        self.employees: List[Employee] = []

    # --- checks -------------------------------------------------------------------------------

    def sync_status_while_syncing(self) -> str:
        page = self.client.hris.sync_status.list()
        check(len(page.results or []) > 0, "sync_status.list() returned no results")
        for s in page.results:
            check(isinstance(s, SyncStatus), f"sync status item is {type(s).__name__}, not SyncStatus")
            check(val(s.status) in SYNC_STATUSES, f"{s.model_name}: status {s.status!r} not in {sorted(SYNC_STATUSES)}")
            check(isinstance(s.is_initial_sync, bool), f"{s.model_name}: is_initial_sync is {s.is_initial_sync!r}")
        names = {s.model_name for s in page.results}
        check("Employee" in names, f"no Employee sync status (models: {sorted(names)})")
        employee = next(s for s in page.results if s.model_name == "Employee")
        return f"{len(page.results)} models; Employee is {employee.status} (initial sync: {employee.is_initial_sync})"

    def finish_sync_then_sync_status(self) -> str:
        sb.finish_sync(self.base, self.key, self.account_id)
        page = self.client.hris.sync_status.list(page_size=100)
        employee = next((s for s in page.results if s.model_name == "Employee"), None)
        check(employee is not None, "no Employee sync status after finish-sync")
        check(val(employee.status) == "DONE", f"Employee status after finish-sync is {employee.status!r}, not DONE")
        check(employee.is_initial_sync is False, "is_initial_sync still true after finish-sync")
        check(
            isinstance(employee.last_sync_finished, dt.datetime),
            f"last_sync_finished did not parse as datetime: {employee.last_sync_finished!r}",
        )
        return f"Employee DONE, last_sync_finished {employee.last_sync_finished.isoformat()}"

    def list_all_employees(self) -> str:
        expand = [EmployeesListRequestExpandItem.MANAGER, EmployeesListRequestExpandItem.TEAM]
        cursor = None
        pages = 0
        seen_cursors = set()
        while True:
            page = self.client.hris.employees.list(page_size=PAGE_SIZE, expand=expand, cursor=cursor)
            pages += 1
            results = page.results or []
            check(len(results) <= PAGE_SIZE, f"page {pages} has {len(results)} results, more than page_size {PAGE_SIZE}")
            self.employees.extend(results)
            cursor = page.next
            if not cursor:
                break
            check(cursor not in seen_cursors, f"cursor {cursor!r} repeated on page {pages}: pagination loops")
            seen_cursors.add(cursor)
            check(pages < 1000, "more than 1000 pages: pagination does not end")
        total = len(self.employees)
        ids = [e.id for e in self.employees]
        check(total == EXPECTED_EMPLOYEES, f"listed {total} employees, expected {EXPECTED_EMPLOYEES}")
        check(len(set(ids)) == total, f"{total - len(set(ids))} duplicate employee ids across pages")
        check(pages >= EXPECTED_EMPLOYEES // PAGE_SIZE, f"only {pages} pages for {total} employees at page_size {PAGE_SIZE}")
        check(all(is_uuid(i) for i in ids), "an employee id is not a UUID")
        return f"{total} employees, {pages} pages, ids unique"

    def expanded_relations_parse(self) -> str:
        check(bool(self.employees), "no employees listed")
        managers = [e.manager for e in self.employees if e.manager is not None]
        check(bool(managers), "no employee has a manager")
        expanded = [m for m in managers if isinstance(m, Employee)]
        check(
            bool(expanded),
            f"expand=manager: no manager parsed as an Employee object (first is {type(managers[0]).__name__}: {managers[0]!r:.80})",
        )
        check(len(expanded) == len(managers), f"{len(managers) - len(expanded)} managers not expanded into Employee objects")
        check(all(is_uuid(m.id) for m in expanded), "an expanded manager has no UUID id")
        ids = {e.id for e in self.employees}
        missing = [m.id for m in expanded if m.id not in ids]
        check(not missing, f"{len(missing)} expanded managers are not among the listed employees, e.g. {missing[:1]}")
        teams = [e.team for e in self.employees if e.team is not None]
        check(bool(teams), "no employee has a team")
        bad = [t for t in teams if not isinstance(t, Team)]
        check(not bad, f"expand=team: {len(bad)} teams did not parse as Team objects (e.g. {bad[0]!r:.80})" if bad else "")
        check(all(is_uuid(t.id) and t.name for t in teams), "an expanded team lacks an id or a name")
        # Relations that were not expanded stay id strings.
        check(all(isinstance(e.company, str) and is_uuid(e.company) for e in self.employees),
              "company (not expanded) is not a UUID string")
        return f"{len(expanded)} managers expanded to Employee, {len(teams)} teams to Team"

    def typed_fields_parse(self) -> str:
        for e in self.employees:
            where = f"employee {e.id}"
            # The SDK types it Union[EmploymentStatusEnum, str] and keeps the JSON string.
            check(val(e.employment_status) in EMPLOYMENT_STATUSES,
                  f"{where}: employment_status {e.employment_status!r} is not one of {sorted(EMPLOYMENT_STATUSES)}")
            for field in ("created_at", "modified_at", "remote_created_at", "start_date", "hire_date"):
                value = getattr(e, field)
                check(isinstance(value, dt.datetime), f"{where}: {field} {value!r} did not parse as datetime")
                check(value.tzinfo is not None, f"{where}: {field} has no time zone")
            check(isinstance(e.remote_was_deleted, bool), f"{where}: remote_was_deleted is {e.remote_was_deleted!r}")
            check(e.remote_was_deleted is False, f"{where}: deleted employee listed without include_deleted_data")
            check(isinstance(e.groups, list) and isinstance(e.employments, list), f"{where}: groups/employments not lists")
            check(e.ssn is None, f"{where}: ssn returned without include_sensitive_fields")
        statuses = sorted({val(e.employment_status) for e in self.employees})
        return f"employment_status values {statuses}; datetimes aware"

    def retrieve_employee(self) -> str:
        target = next(e for e in self.employees if e.manager is not None)
        one = self.client.hris.employees.retrieve(target.id, expand=[EmployeesListRequestExpandItem.MANAGER])
        check(isinstance(one, Employee), f"retrieve returned {type(one).__name__}")
        check(one.id == target.id, f"retrieve returned id {one.id}, asked for {target.id}")
        check(isinstance(one.manager, Employee) and one.manager.id == target.manager.id,
              f"retrieve expand=manager: manager is {one.manager!r:.80}")
        try:
            self.client.hris.employees.retrieve(str(uuid.UUID(int=0)))
        except ApiError as err:
            check(err.status_code == 404, f"unknown employee id answered {err.status_code}, expected 404")
        else:
            raise CheckFailed("unknown employee id did not raise ApiError")
        return "by id with expand=manager; unknown id -> ApiError 404"

    def list_teams(self) -> str:
        page = self.client.hris.teams.list(page_size=100)
        check(bool(page.results), "teams.list() returned no teams")
        check(all(isinstance(t, Team) and is_uuid(t.id) and t.name for t in page.results), "a team lacks id or name")
        check(all(t.parent_team is None or isinstance(t.parent_team, str) for t in page.results),
              "parent_team (not expanded) is not an id string")
        employee_teams = {e.team.id for e in self.employees if isinstance(e.team, Team)}
        listed = {t.id for t in page.results}
        unknown = employee_teams - listed
        check(not unknown or page.next, f"{len(unknown)} employee teams are not in teams.list(), e.g. {sorted(unknown)[:1]}")
        expanded = self.client.hris.teams.list(page_size=100, expand="parent_team")
        parents = [t.parent_team for t in expanded.results if t.parent_team is not None]
        check(all(isinstance(p, Team) for p in parents), "expand=parent_team: a parent did not parse as Team")
        return f"{len(page.results)} teams ({len(parents)} with expanded parent)"

    def account_details(self) -> str:
        details = self.client.hris.account_details.retrieve()
        check(isinstance(details, AccountDetails), f"account_details is {type(details).__name__}")
        check(details.id == self.account_id, f"account_details.id {details.id} != linked account {self.account_id}")
        check(details.integration_slug == "sage-hr", f"integration_slug is {details.integration_slug!r}")
        check(val(details.category) == "hris", f"category is {details.category!r}")
        check(details.end_user_origin_id == "conformance-sdk", f"end_user_origin_id is {details.end_user_origin_id!r}")
        check(details.status == "COMPLETE", f"status is {details.status!r}")
        return f"{details.integration} ({details.integration_slug}), {details.status}"

    def link_token(self) -> str:
        token = self.org_client.hris.link_token.create(
            end_user_email_address="hr@acme.example",
            end_user_organization_name="Acme Ltd",
            end_user_origin_id="conformance-sdk-link",
            categories=[CategoriesEnum.HRIS],
            integration="sage-hr",
            should_create_magic_link_url=True,
        )
        check(isinstance(token, LinkToken), f"link_token.create returned {type(token).__name__}")
        check(isinstance(token.link_token, str) and len(token.link_token) >= 10, f"link_token is {token.link_token!r}")
        check(token.integration_name == "Sage HR", f"integration_name is {token.integration_name!r}")
        check(bool(token.magic_link_url), "should_create_magic_link_url=True gave no magic_link_url")
        return f"link token {token.link_token[:6]}…, magic link {token.magic_link_url}"

    def account_token_exchange(self) -> str:
        public_token = sb.link_through_merge_link(self.base, self.key, origin_id="conformance-sdk-public", subdomain="acme")
        exchanged = self.org_client.hris.account_token.retrieve(public_token)
        check(bool(exchanged.account_token), "account_token.retrieve returned no account_token")
        check(isinstance(exchanged.integration, AccountIntegration),
              f"integration is {type(exchanged.integration).__name__}, not AccountIntegration")
        check(exchanged.integration.slug == "sage-hr", f"integration.slug is {exchanged.integration.slug!r}")
        linked = Merge(api_key=self.key, account_token=exchanged.account_token, base_url=self.base)
        check(linked.hris.account_details.retrieve().end_user_origin_id == "conformance-sdk-public",
              "the exchanged account token does not reach the new linked account")
        try:
            self.org_client.hris.account_token.retrieve(public_token)
        except ApiError as err:
            check(err.status_code == 404, f"second exchange answered {err.status_code}, expected 404")
        else:
            raise CheckFailed("a public token could be exchanged twice")
        return "public token -> account token (single use)"

    def force_resync(self) -> str:
        statuses = self.client.hris.force_resync.sync_status_resync_create()
        check(isinstance(statuses, list) and statuses, f"resync returned {statuses!r:.120}")
        check(all(isinstance(s, SyncStatus) for s in statuses), "resync items are not SyncStatus")
        employee = next((s for s in statuses if s.model_name == "Employee"), None)
        check(employee is not None and val(employee.status) == "SYNCING",
              f"Employee status right after resync is {getattr(employee, 'status', None)!r}, expected SYNCING")
        sb.finish_sync(self.base, self.key, self.account_id)
        return f"{len(statuses)} statuses, Employee SYNCING"

    def linked_accounts_and_issues(self) -> str:
        # Without is_test_account Merge lists only production accounts; the sandbox's are test ones.
        page = self.org_client.hris.linked_accounts.list(page_size=100, is_test_account="true")
        mine = [a for a in page.results if a.id == self.account_id]
        check(len(mine) == 1, f"linked account {self.account_id} listed {len(mine)} times")
        account = mine[0]
        check(val(account.status) == "COMPLETE", f"linked account status is {account.status!r}")
        check(isinstance(account.integration, AccountDetailsAndActionsIntegration),
              "linked_accounts.list(): integration parsed as "
              f"{type(account.integration).__name__} ({account.integration!r:.60}); the SDK types it "
              "AccountDetailsAndActionsIntegration (an object with name, slug, categories, color, passthrough_available)")
        issues = self.org_client.hris.issues.list(account_token=self.account_token)
        check(isinstance(issues.results, list), "issues.list() results is not a list")
        return f"{len(page.results)} linked accounts, {len(issues.results)} issues for this account"

    def strict_model_validation(self) -> str:
        """The SDK builds its models leniently (a value of the wrong type is kept as is). Here the
        raw JSON of each call is also validated by pydantic against the SDK's declared model
        types, so a field the SDK would mistype is caught. The raw body comes from an httpx
        response hook on a client passed through the SDK's public `httpx_client` option."""
        bodies: List[object] = []

        def capture(response: httpx.Response) -> None:
            response.read()
            bodies.append(response.json())

        client = Merge(api_key=self.key, account_token=self.account_token, base_url=self.base,
                       httpx_client=httpx.Client(timeout=60, event_hooks={"response": [capture]}))
        hris = client.hris
        expand = [EmployeesListRequestExpandItem.MANAGER, EmployeesListRequestExpandItem.TEAM]
        calls = [
            ("employees.list expand=[manager, team]", lambda: hris.employees.list(page_size=100, expand=expand), PaginatedEmployeeList),
            ("employees.list expand=<all>", lambda: hris.employees.list(page_size=50, expand=list(EmployeesListRequestExpandItem)), PaginatedEmployeeList),
            ("employees.list", lambda: hris.employees.list(page_size=100, include_sensitive_fields=True), PaginatedEmployeeList),
            ("employments.list", lambda: hris.employments.list(page_size=100), PaginatedEmploymentList),
            ("teams.list expand=parent_team", lambda: hris.teams.list(page_size=100, expand="parent_team"), PaginatedTeamList),
            ("sync_status.list", lambda: hris.sync_status.list(), PaginatedSyncStatusList),
            ("account_details.retrieve", lambda: hris.account_details.retrieve(), AccountDetails),
            ("link_token.create", lambda: hris.link_token.create(
                end_user_email_address="hr@acme.example", end_user_organization_name="Acme Ltd",
                end_user_origin_id="conformance-sdk-strict", categories=[CategoriesEnum.HRIS]), LinkToken),
            ("linked_accounts.list", lambda: hris.linked_accounts.list(is_test_account="true"),
             PaginatedAccountDetailsAndActionsList),
            ("issues.list", lambda: hris.issues.list(), PaginatedIssueList),
        ]
        problems = []
        for name, call, model in calls:
            bodies.clear()
            call()
            try:
                parse_obj_as(model, bodies[-1])
            except pydantic.ValidationError as err:
                problems.extend(f"{name} as {model.__name__}: {line}" for line in pydantic_problems(err))
        check(not problems, "raw JSON does not validate as the SDK's model types:\n    " + "\n    ".join(problems))
        return f"{len(calls)} responses validate as the SDK's pydantic models"

    def bad_api_key(self) -> str:
        wrong = Merge(api_key="wrong-" + self.key, account_token=self.account_token, base_url=self.base)
        try:
            wrong.hris.account_details.retrieve()
        except ApiError as err:
            check(err.status_code == 401, f"wrong API key answered {err.status_code}, expected 401")
            check(isinstance(err.body, dict) and "detail" in err.body, f"401 body is {err.body!r}")
            return "wrong key -> ApiError 401 with detail"
        raise CheckFailed("a wrong API key was accepted")


def main() -> int:
    print(f"SDK conformance: MergePythonClient {merge.__version__}")
    try:
        c = Conformance()
    except Exception as err:  # noqa: BLE001 - report any set-up failure plainly
        print(f"FAIL set-up: {err}")
        return 1
    checks: List[Tuple[str, Callable[[], str]]] = [
        ("sync_status.list (initial sync)", c.sync_status_while_syncing),
        ("sync_status.list (after finish-sync)", c.finish_sync_then_sync_status),
        ("employees.list, all pages, expand=[manager, team]", c.list_all_employees),
        ("expanded manager/team parse as models", c.expanded_relations_parse),
        ("typed Employee fields parse", c.typed_fields_parse),
        ("employees.retrieve", c.retrieve_employee),
        ("teams.list", c.list_teams),
        ("account_details.retrieve", c.account_details),
        ("link_token.create (hris)", c.link_token),
        ("account_token.retrieve", c.account_token_exchange),
        ("force_resync.sync_status_resync_create", c.force_resync),
        ("linked_accounts.list / issues.list", c.linked_accounts_and_issues),
        ("SDK models, strict pydantic validation", c.strict_model_validation),
        ("wrong API key", c.bad_api_key),
    ]
    failures = []
    for name, run in checks:
        try:
            detail = run()
            print(f"  ok   {name}: {detail}")
        except CheckFailed as err:
            failures.append(name)
            print(f"  FAIL {name}: {err}")
        except ApiError as err:
            failures.append(name)
            print(f"  FAIL {name}: the SDK raised ApiError {err.status_code}: {err.body!r:.300}")
        except Exception as err:  # noqa: BLE001 - an SDK parse error is a conformance failure too
            failures.append(name)
            print(f"  FAIL {name}: {type(err).__name__}: {err}")
            traceback.print_exc(limit=3)
    if failures:
        print(f"SDK conformance: {len(failures)} of {len(checks)} checks failed: {', '.join(failures)}")
        return 1
    print(f"SDK conformance: all {len(checks)} checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
