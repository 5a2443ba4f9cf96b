import { readFileSync } from "node:fs";
import { test, expect, gotoHydrated, signIn, shot, axe, sql, matchCount, DEMO } from "./fixtures";
import type { Page } from "@playwright/test";

/// Connects the sandbox's "acme" Sage HR (240 people) through the connect dialog's server
/// function and waits for its first sync.
async function connectAcme(page: Page, label: string): Promise<string> {
  await gotoHydrated(page, "/integrations");
  const status = await page.evaluate(async (label) => {
    const res = await fetch("/api/integrations/connect", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ slug: "sage-hr", label, optional_fields: ["job_title"], credentials: { subdomain: "acme", api_key: "demo-api-key" } }),
    });
    return res.status;
  }, label);
  expect(status).toBe(200);
  await gotoHydrated(page, "/integrations");
  await expect(page.getByRole("listitem", { name: label }).getByText("Healthy")).toBeVisible({ timeout: 60_000 });
  return sql(`SELECT id FROM connections WHERE label = '${label}'`);
}

const ACTIVE = `s.removed_at IS NULL AND NOT s.deleted
  AND coalesce(s.employment_status, '') NOT IN ('INACTIVE', 'PENDING')
  AND (s.termination_date IS NULL OR s.termination_date > current_date)
  AND s.start_date <= current_date`;

/// People in a team and its sub-teams who joined in the last 30 days, straight from the table
/// the sync fills.
function joinedRecentlyIn(connection: string, team: string): number {
  return Number(sql(`WITH RECURSIVE tt AS (
      SELECT connection_id, merge_id FROM teams WHERE connection_id = '${connection}' AND merge_id = '${team}'
      UNION SELECT t.connection_id, t.merge_id FROM teams t JOIN tt ON t.connection_id = tt.connection_id AND t.parent_id = tt.merge_id)
    SELECT count(*) FROM staff s WHERE (s.connection_id, s.team_id) IN (SELECT * FROM tt)
      AND s.start_date > current_date - 30 AND ${ACTIVE}`));
}

test("a campaign gets a dynamic audience that follows a resync, with exclusions and a CSV export", async ({ page }) => {
  test.setTimeout(120_000);
  await page.setViewportSize({ width: 1280, height: 900 });
  await signIn(page, DEMO.admin);
  const connection = await connectAcme(page, "Acme UK");

  // A new campaign: the form's own checks first, then it opens the campaign.
  await gotoHydrated(page, "/campaigns");
  await expect(page.getByRole("heading", { name: "No campaigns yet" })).toBeVisible();
  await page.getByRole("button", { name: "New campaign" }).click();
  await page.getByRole("button", { name: "Create and choose recipients" }).click();
  await expect(page.getByText("Give the campaign a name")).toBeVisible();
  await expect(page.getByText("Choose an occasion from the list.")).toBeVisible();
  await page.getByLabel("Name").fill("Welcome gifts <Q3>");
  await page.getByLabel("Occasion").selectOption("Welcome to the team");
  await page.getByLabel("Budget per person").fill("25.5");
  await axe(page, "campaign-new");
  await shot(page, "campaign-0-new-1280");
  await page.getByRole("button", { name: "Create and choose recipients" }).click();
  await expect(page).toHaveURL(/\/campaigns\/[0-9a-f-]{36}$/);
  await expect(page.getByRole("heading", { level: 1, name: "Welcome gifts <Q3>" })).toBeVisible();
  await expect(page.getByText("£25.50 per person")).toBeVisible();
  const campaignUrl = new URL(page.url()).pathname;
  await page.locator("body[data-hydrated]").waitFor();

  // The team with the most recent joiners. One of them gets an old start date, and a person who
  // is not in the HR system is added: the next full sync puts back the one and removes the other.
  const team = sql(`SELECT team_id FROM staff s WHERE connection_id = '${connection}' AND team_id IS NOT NULL
      AND s.start_date > current_date - 30 AND ${ACTIVE} GROUP BY team_id ORDER BY count(*) DESC, team_id LIMIT 1`);
  sql(`UPDATE staff SET start_date = current_date - 400 WHERE connection_id = '${connection}' AND merge_id = (
      SELECT min(merge_id) FROM staff s WHERE connection_id = '${connection}' AND team_id = '${team}'
        AND s.start_date > current_date - 30 AND ${ACTIVE})`);
  sql(`INSERT INTO staff (connection_id, merge_id, account_id, display_name, work_email, team_id, start_date, employment_status, search_text)
       SELECT id, 'ghost-1', account_id, 'Gina Ghost', 'gina.ghost@acme.example', '${team}', current_date - 3, 'ACTIVE', 'gina ghost'
       FROM connections WHERE id = '${connection}'`);
  const expected = joinedRecentlyIn(connection, team);
  expect(expected).toBeGreaterThan(0);

  // The filters arrive in a link, as a colleague would share them.
  await gotoHydrated(page, `${campaignUrl}?joined=30&team=${encodeURIComponent(`${connection}/${team}`)}`);
  await expect.poll(() => matchCount(page)).toBe(expected);
  await expect(page.locator(".staff-table").getByText("Gina Ghost")).toBeVisible();

  // The audience builder comes before the list of recipients.
  const builder = await page.locator("section.chooser").boundingBox();
  const current = await page.getByRole("region", { name: /^\d+ recipients?$/ }).boundingBox();
  expect(builder!.y).toBeLessThan(current!.y);

  // A filter that matches nobody is not saved without a word.
  await page.getByLabel("Search").fill("qqzzxxv");
  await expect(page).toHaveURL(/q=qqzzxxv/);
  await page.getByRole("button", { name: "Save as a dynamic audience" }).click();
  const warning = page.getByRole("alert").filter({ hasText: "Nobody matches these filters right now." });
  await expect(warning).toContainText("no recipients until someone who matches joins");
  await axe(page, "campaign-empty-audience-warning");
  await shot(page, "campaign-0-empty-warning-1280");
  await warning.getByRole("button", { name: "Keep editing the filters" }).click();
  await expect(warning).toBeHidden();
  await expect(page.getByText("No recipients chosen yet.")).toBeVisible();
  await page.getByLabel("Search").fill("");
  await expect.poll(() => matchCount(page)).toBe(expected);

  await page.getByRole("button", { name: "Save as a dynamic audience" }).click();
  const list = page.getByRole("region", { name: /^\d+ recipients?$/ });
  const people = (n: number) => `${n} ${n === 1 ? "recipient" : "recipients"}`;
  await expect(list.getByRole("heading", { name: people(expected) })).toBeVisible();
  await expect(list.getByText("Everyone matching a saved filter")).toBeVisible();
  await axe(page, "campaign-audience");
  await shot(page, "campaign-1-audience-1280");

  // Resync: the audience follows the HR data and says who joined and who left.
  await gotoHydrated(page, "/integrations");
  const card = page.getByRole("listitem", { name: "Acme UK" });
  await card.getByRole("button", { name: "Resync now" }).click();
  await expect(card.getByText("Healthy")).toBeVisible({ timeout: 60_000 });
  await expect(async () => {
    await gotoHydrated(page, campaignUrl);
    await expect(page.getByText("+1 joined, −1 left at the last sync")).toBeVisible({ timeout: 1_000 });
  }).toPass({ timeout: 30_000 });
  await expect(page.getByText("Left: Gina Ghost")).toBeVisible();
  await expect(list.getByRole("heading", { name: people(expected) })).toBeVisible();
  await shot(page, "campaign-2-diff-1280");

  // Exclude someone; the export has everyone else, and formulas stay text.
  // Someone with a work email, to tell them apart from anyone else of the same name below.
  const first = list.locator("tbody tr").filter({ has: page.locator(".person-email", { hasText: "@" }) }).first();
  const name = await first.locator(".person-name").innerText();
  const email = await first.locator(".person-email").innerText();
  // The list is searchable.
  await list.getByLabel("Find a recipient").fill(email);
  await expect(list.getByText("1 recipient found · showing 1–1")).toBeVisible();
  await expect(list.locator("tbody tr")).toHaveCount(1);
  await list.getByLabel("Find a recipient").fill("");
  await expect(list.getByText(`Showing 1–${expected} of ${expected} by name`)).toBeVisible();
  await first.getByRole("button", { name: `Exclude ${name}` }).click();
  await expect(list.getByRole("heading", { name: "Excluded (1)" })).toBeVisible();
  const remaining = expected - 1;
  const downloading = page.waitForEvent("download");
  await page.getByRole("link", { name: `Export ${people(remaining)} (CSV)` }).click();
  const download = await downloading;
  expect(download.suggestedFilename()).toBe("welcome-gifts-q3-recipients.csv");
  const csv = readFileSync((await download.path())!, "utf8").replace(/^\uFEFF/, "");
  const lines = csv.trim().split("\r\n");
  expect(lines[0]).toBe('"Name","Work email","Job title","Team","Office city","Office country","Start date","HR system"');
  expect(lines.length).toBe(remaining + 1);
  expect(csv).not.toContain(`"${email}"`);

  // Why isn't someone in the list? The excluded person, and the one the HR system dropped.
  await page.getByText("Why isn't someone in the list?").click();
  const why = page.locator(".why-not");
  await why.getByLabel("Find a person").fill(email);
  await why.getByRole("button", { name: name }).filter({ hasText: email }).click();
  await expect(why.getByRole("status")).toContainText("excluded them from this campaign");
  await why.getByLabel("Find a person").fill("gina");
  await why.getByRole("button", { name: /^Gina Ghost/ }).click();
  await expect(why.getByRole("status")).toContainText("no longer lists them");
  await axe(page, "campaign-why-not");
  await shot(page, "campaign-3-why-not-1280");

  await page.setViewportSize({ width: 360, height: 740 });
  await shot(page, "campaign-3-360");
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  expect(overflow).toBeLessThanOrEqual(0);

  // The campaign list shows it with its count; archiving moves it to Archived.
  await page.setViewportSize({ width: 1280, height: 900 });
  await gotoHydrated(page, "/campaigns");
  const item = page.getByRole("listitem").filter({ hasText: "Welcome gifts <Q3>" });
  await expect(item.getByText(people(remaining))).toBeVisible();
  await shot(page, "campaign-4-list-1280");
  await item.getByRole("link").click();
  await page.locator("body[data-hydrated]").waitFor();
  await page.getByRole("button", { name: "Archive" }).click();
  await expect(page.getByText("Archived", { exact: true })).toBeVisible();
  await gotoHydrated(page, "/campaigns");
  await page.getByRole("button", { name: "Archived" }).click();
  await expect(page.getByRole("link", { name: "Welcome gifts <Q3>" })).toBeVisible();
});

test("a campaign from another account is not there", async ({ page }) => {
  const other = sql(`SELECT k.id FROM campaigns k JOIN accounts a ON a.id = k.account_id
                     WHERE a.name <> 'Globex Corporation' LIMIT 1`);
  await signIn(page, DEMO.globex);
  await gotoHydrated(page, `/campaigns/${other}`);
  await expect(page.getByRole("heading", { name: "Campaign not found" })).toBeVisible();
  const res = await page.request.get(`/campaigns/${other}/export`);
  expect(res.status()).toBe(404);
});
