import { test, expect, gotoHydrated, signIn, shot, axe, sql, matchCount, DEMO } from "./fixtures";
import type { Page } from "@playwright/test";

/// Connects the sandbox's "globex" Sage HR (1,200 people) through the server function the
/// connect dialog uses, and waits for its first sync.
async function connectGlobex(page: Page) {
  const status = await page.evaluate(async () => {
    const res = await fetch("/api/integrations/connect", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ slug: "sage-hr", label: "Globex", optional_fields: ["job_title"], credentials: { subdomain: "globex", api_key: "demo-api-key" } }),
    });
    return res.status;
  });
  expect(status).toBe(200);
  await expect
    .poll(async () => {
      return page.evaluate(async () => {
        const res = await fetch("/api/integrations/list", { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded" } });
        const list = await res.json();
        return list.some((c: { label: string; health: string }) => c.label === "Globex" && c.health === "Healthy");
      });
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

  const team = page.getByLabel("Team");
  const firstTeam = await team.locator("option").nth(2).getAttribute("value");
  await team.selectOption(firstTeam!);
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
