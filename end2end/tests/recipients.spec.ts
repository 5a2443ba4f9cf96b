import { test, expect, gotoHydrated, signIn, shot, axe, sql, matchCount, DEMO } from "./fixtures";
import type { Page } from "@playwright/test";

/// Connects the sandbox's "globex" Sage HR (1,200 people) through the server function the
/// connect dialog uses, and waits for its first sync.
async function connectGlobex(page: Page) {
  await connectSandbox(page, "globex", "Globex");
}

/// Connects one of the sandbox's Sage HR companies under `label` and waits for its first sync.
async function connectSandbox(page: Page, subdomain: string, label: string) {
  const status = await page.evaluate(async ([subdomain, label]) => {
    const res = await fetch("/api/integrations/connect", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ slug: "sage-hr", label, optional_fields: ["job_title"], credentials: { subdomain, api_key: "demo-api-key" } }),
    });
    return res.status;
  }, [subdomain, label]);
  expect(status).toBe(200);
  await expect
    .poll(async () => {
      return page.evaluate(async (label) => {
        const res = await fetch("/api/integrations/list", { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded" } });
        const list = await res.json();
        return list.some((c: { label: string; health: string }) => c.label === label && c.health === "Healthy");
      }, label);
    }, { timeout: 60_000 })
    .toBe(true);
}

test("a campaign manager filters staff, the URL keeps the filters and Back works", async ({ page }) => {
  await signIn(page, DEMO.admin);
  await gotoHydrated(page, "/integrations");
  await connectGlobex(page);

  await gotoHydrated(page, "/people");
  await expect(page.getByRole("heading", { name: "Find people" })).toBeVisible();
  const everyone = await matchCount(page);
  expect(everyone).toBeGreaterThan(1000);

  // Newest joiners first: the table is in start-date order and says so to screen readers.
  await page.getByLabel("Sort by").selectOption("newest");
  await expect(page).toHaveURL(/sort=newest/);
  await expect(page.getByRole("columnheader", { name: "Started" })).toHaveAttribute("aria-sort", "descending");
  const started = await page.locator(".staff-table tbody tr td:nth-child(5)").allInnerTexts();
  const days = started.slice(0, 10).map((d) => Date.parse(d));
  expect(days.every((d) => !Number.isNaN(d))).toBe(true);
  expect(days).toEqual([...days].sort((a, b) => b - a));
  await page.getByLabel("Sort by").selectOption("name");
  await expect(page).not.toHaveURL(/sort=/);

  await page.getByLabel("Joined").selectOption("30");
  await expect(page).toHaveURL(/joined=30/);
  await expect.poll(() => matchCount(page)).toBeLessThan(everyone);
  const recent = await matchCount(page);
  expect(recent).toBeGreaterThan(0);

  await page.getByRole("combobox", { name: "Team" }).fill("leadership");
  await page.getByRole("option", { name: /^Leadership/ }).first().click();
  await expect(page).toHaveURL(/team=/);
  await expect.poll(() => matchCount(page)).toBeLessThanOrEqual(recent);
  const rows = await page.locator(".staff-table tbody tr").count();
  expect(rows).toBe(Math.min(await matchCount(page), 50));
  await shot(page, "recipients-filtered-1280");
  await axe(page, "recipients-filtered");

  await page.goBack();
  await expect(page).toHaveURL(/joined=30$/);
  await expect.poll(() => matchCount(page)).toBe(recent);

  // Accent-insensitive search over everyone: only about 50 people joined in the last 30 days and
  // names are drawn per connection, so a José among them is down to chance.
  await gotoHydrated(page, "/people");
  await page.getByLabel("Search").fill("jose");
  await expect(page).toHaveURL(/q=jose/);
  await expect(page.locator(".staff-table").getByText(/José/).first()).toBeVisible();

  // Everyone under a manager, then only their direct reports.
  const manager = sql(`SELECT m.display_name FROM staff m JOIN connections c ON c.id = m.connection_id
      WHERE c.label = 'Globex' AND m.display_name ~ '^[A-Za-z]+ [A-Za-z]+$'
        AND (SELECT count(*) FROM staff r WHERE r.connection_id = m.connection_id AND r.manager_id = m.merge_id) >= 3
      ORDER BY m.merge_id LIMIT 1`);
  await gotoHydrated(page, "/people");
  const all = await matchCount(page);
  await page.getByLabel("Reports to").fill(manager);
  await page.getByRole("button", { name: `Everyone under ${manager}` }).first().click();
  await expect(page).toHaveURL(/manager=/);
  await expect.poll(() => matchCount(page)).toBeLessThan(all);
  const under = await matchCount(page);
  await page.getByLabel("Direct reports only").check();
  await expect(page).toHaveURL(/direct=1/);
  await expect.poll(() => matchCount(page)).toBeLessThanOrEqual(under);
  await page.getByRole("button", { name: "Clear the manager filter" }).click();
  await expect(page.getByLabel("Reports to")).toBeFocused();
  await expect.poll(() => matchCount(page)).toBe(all);

  // The folded-away filters: a job title and a start-date range.
  await page.getByText("More filters").click();
  await page.getByLabel("Job title contains").fill("engineer");
  await expect(page).toHaveURL(/title=engineer/);
  await expect.poll(() => matchCount(page)).toBeLessThan(all);
  await page.getByLabel("Started on or after").fill("2020-01-01");
  await expect(page).toHaveURL(/from=2020-01-01/);
  await axe(page, "recipients-more-filters");
  await shot(page, "recipients-more-filters-1280");

  // Leavers are excluded unless asked for.
  await gotoHydrated(page, "/people");
  const active = await matchCount(page);
  await page.getByLabel("Include people who have left").check();
  await expect.poll(() => matchCount(page)).toBeGreaterThan(active);
});

test("the recipients view fits a 360 px screen", async ({ page }) => {
  await page.setViewportSize({ width: 360, height: 740 });
  await signIn(page, DEMO.manager);
  await gotoHydrated(page, "/people?joined=90");
  await expect(page.getByRole("heading", { name: "Find people" })).toBeVisible();
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  expect(overflow).toBeLessThanOrEqual(0);
  await shot(page, "recipients-360");
});

/// The same company in two HR systems (the sandbox's "acme" connected twice): the same team names
/// in both, and everyone, managers included, listed by both.
test("with two HR systems a team, a manager and a country are each one choice", async ({ page }) => {
  test.setTimeout(120_000);
  await page.setViewportSize({ width: 1280, height: 900 });
  await signIn(page, DEMO.globex);
  await gotoHydrated(page, "/integrations");
  // Earlier tests may have connected these tenants to this account; each can be connected once.
  sql(`UPDATE connections SET status = 'disconnected', disconnected_at = now(), read_only_until = NULL
       WHERE tenant IN ('acme', 'globex', 'initech') AND status <> 'disconnected'
         AND account_id = (SELECT account_id FROM users WHERE email = '${DEMO.globex.email}')`);
  // Two HR systems of one organisation list some people in both, under one work email.
  await connectSandbox(page, "acme", "North");
  await connectSandbox(page, "globex", "South");
  await gotoHydrated(page, "/people");
  const everyone = await matchCount(page);

  // Teams: one searchable choice per team, covering both systems, chosen by keyboard.
  const team = page.getByRole("combobox", { name: "Team" });
  await team.click();
  await page.keyboard.type("leadership");
  const leadership = page.getByRole("option", { name: /^Leadership/ });
  await expect(leadership).toHaveCount(1);
  await expect(leadership).toContainText("Sage HR · North, Sage HR · South");
  await expect(page.getByRole("listbox", { name: "Team" }).getByText("In several HR systems")).toBeVisible();
  await axe(page, "team-choices-open");
  await shot(page, "filters-team-open-1280");
  for (let i = 0; i < 10 && (await leadership.getAttribute("aria-selected")) !== "true"; i++) {
    await page.keyboard.press("ArrowDown");
  }
  await page.keyboard.press("Enter");
  await expect(page).toHaveURL(/team=.*team=/);
  await expect(team).toBeFocused();
  await expect(page.getByRole("list", { name: "Chosen: Team" }).getByText("Leadership")).toBeVisible();
  await expect.poll(() => matchCount(page)).toBeLessThanOrEqual(everyone);
  await page.getByRole("button", { name: "Remove Leadership from the team filter" }).click();
  await expect(page).not.toHaveURL(/team=/);
  await expect(team).toBeFocused();

  // Countries by name, found by their ISO code too.
  const code = sql(`SELECT s.country FROM staff s JOIN connections c ON c.id = s.connection_id
      WHERE c.label = 'North' AND s.country IS NOT NULL GROUP BY 1 ORDER BY count(*) DESC LIMIT 1`);
  const country = page.getByRole("combobox", { name: "Office country" });
  await country.fill(code.toLowerCase());
  const byCode = page.getByRole("option").filter({ has: page.locator(".options-detail", { hasText: new RegExp(`^${code}$`) }) });
  await expect(byCode).toHaveCount(1);
  const name = (await byCode.locator(".options-label").innerText()).trim();
  expect(name).not.toBe(code);
  expect(name.length).toBeGreaterThan(3);
  await byCode.click();
  await expect(page).toHaveURL(new RegExp(`country=${code}`));
  await expect(page.getByRole("list", { name: "Chosen: Office country" }).getByText(name)).toBeVisible();
  await page.getByRole("button", { name: `Remove ${name} from the country filter` }).click();
  await country.fill(name.slice(0, 5));
  await expect(page.getByRole("option", { name: new RegExp(`^${name}`) })).toBeVisible();
  await country.fill("");

  // Managers: one suggestion per person, naming both systems. Typing does not move the fields
  // beside it, and choosing by keyboard keeps focus in the filter bar.
  const manager = sql(`SELECT m.display_name FROM staff m JOIN connections c ON c.id = m.connection_id
      WHERE c.label IN ('North', 'South') AND c.status <> 'disconnected' AND m.display_name ~ '^[A-Za-z]+ [A-Za-z]+$'
        AND EXISTS (SELECT 1 FROM staff r WHERE r.connection_id = m.connection_id AND r.manager_id = m.merge_id)
        AND (SELECT count(DISTINCT o.connection_id) FROM staff o JOIN connections oc ON oc.id = o.connection_id
             WHERE oc.account_id = c.account_id AND oc.label IN ('North', 'South') AND oc.status <> 'disconnected'
               AND lower(o.work_email) = lower(m.work_email) AND o.display_name = m.display_name) = 2
      ORDER BY m.merge_id LIMIT 1`);
  const joined = page.getByLabel("Joined");
  const before = await joined.boundingBox();
  await page.getByLabel("Reports to").fill(manager);
  // Namesakes are other people, with suggestions of their own; this person has one, not one per system.
  const suggestion = page
    .getByRole("button", { name: `Everyone under ${manager}` })
    .filter({ hasText: "In Sage HR · North and Sage HR · South" });
  await expect(suggestion).toHaveCount(1);
  expect(await joined.boundingBox()).toEqual(before);
  await axe(page, "manager-suggestions-open");
  await shot(page, "filters-manager-open-1280");
  for (let i = 0; i < 10 && !(await suggestion.evaluate((el) => el === document.activeElement)); i++) {
    await page.keyboard.press("Tab");
  }
  await expect(suggestion).toBeFocused();
  await page.keyboard.press("Enter");
  await expect(page).toHaveURL(/manager=/);
  await expect(page.getByLabel("Direct reports only")).toBeFocused();
  await expect.poll(() => matchCount(page)).toBeLessThan(everyone);

  // Column headers break between words only.
  const broken = await page.evaluate(() =>
    [...document.querySelectorAll(".staff-table thead th")].filter((th) => {
      const range = document.createRange();
      range.selectNodeContents(th);
      const lines = new Set([...range.getClientRects()].map((r) => Math.round(r.top)));
      return !th.textContent?.includes(" ") && lines.size > 1;
    }).map((th) => th.textContent),
  );
  expect(broken).toEqual([]);

  // At 360 px the lists open in view.
  await page.setViewportSize({ width: 360, height: 740 });
  await gotoHydrated(page, "/people");
  await team.click();
  await page.keyboard.type("leadership");
  await expect(leadership).toBeInViewport();
  await shot(page, "filters-team-open-360");
  await page.keyboard.press("Escape");
  await page.getByLabel("Reports to").fill(manager);
  await expect(suggestion).toBeInViewport();
  await axe(page, "manager-suggestions-360");
  await shot(page, "filters-manager-open-360");
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  expect(overflow).toBeLessThanOrEqual(0);
});

/// Results follow every key with no typing pause, so answers to earlier keys are still on their
/// way while later keys are typed: one that comes back late must not replace a newer one.
test("a slow answer to an earlier key never replaces the newer results", async ({ page }) => {
  await signIn(page, DEMO.manager);
  await gotoHydrated(page, "/people");
  const search = page.getByLabel("Search");
  const expectedFor = async (q: string) => {
    const answered = page.waitForResponse(
      (r) => r.url().endsWith("/api/staff/search") && JSON.parse(r.request().postData() ?? "{}").filter?.q === q,
    );
    await search.fill(q);
    return (await (await answered).json()).total as number;
  };
  const older = await expectedFor("an");
  const newer = await expectedFor("ann");
  expect(newer).toBeLessThan(older);
  await gotoHydrated(page, "/people");

  // The answer for "an" is held back for two seconds; "ann" is typed meanwhile.
  await page.route("**/api/staff/search", async (route) => {
    const q = JSON.parse(route.request().postData() ?? "{}").filter?.q;
    if (q === "an") await new Promise((r) => setTimeout(r, 2_000));
    await route.continue();
  });
  await page.evaluate(() => {
    const w = window as unknown as { shown: string[] };
    w.shown = [];
    new MutationObserver(() => {
      const text = document.querySelector(".result-count")?.textContent ?? "";
      if (w.shown[w.shown.length - 1] !== text) w.shown.push(text);
    }).observe(document.body, { subtree: true, childList: true, characterData: true });
  });
  await search.click();
  await page.keyboard.type("an");
  await page.keyboard.type("n");
  await expect(page).toHaveURL(/q=ann/);
  await expect.poll(() => matchCount(page), { timeout: 10_000 }).toBe(newer);
  // Well after the slow answer has come back, the newer results are still the ones shown.
  await page.waitForTimeout(2_500);
  expect(await matchCount(page)).toBe(newer);
  const shown = await page.evaluate(() => (window as unknown as { shown: string[] }).shown);
  const newest = shown.findIndex((t) => t.startsWith(people(newer)));
  expect(newest).toBeGreaterThanOrEqual(0);
  expect(shown.slice(newest).filter((t) => t.startsWith(people(older)))).toEqual([]);
});

function people(n: number): string {
  return n === 1 ? "1 person matches" : `${n.toLocaleString("en-GB")} people match`;
}
