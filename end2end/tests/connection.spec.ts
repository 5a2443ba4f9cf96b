import { test, expect, gotoHydrated, signIn, shot, axe, sql, DEMO } from "./fixtures";
import type { Page } from "@playwright/test";

/// Connects the sandbox's "initech" Sage HR (60 people) for Globex through the connect dialog's
/// server function, waits for its first sync, and opens its details page.
async function connectInitech(page: Page): Promise<string> {
  await gotoHydrated(page, "/integrations");
  const status = await page.evaluate(async () => {
    const res = await fetch("/api/integrations/connect", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ slug: "sage-hr", label: "Initech", optional_fields: ["job_title"], credentials: { subdomain: "initech", api_key: "demo-api-key" } }),
    });
    return res.status;
  });
  expect(status).toBe(200);
  // The page shows the new connection syncing, and follows it live until it is done.
  await gotoHydrated(page, "/integrations");
  const card = page.getByRole("listitem", { name: "Initech" });
  await expect(card.getByText("Healthy")).toBeVisible({ timeout: 60_000 });
  await card.getByRole("link", { name: "View details of Initech" }).click();
  await expect(page.getByRole("heading", { level: 1, name: "Initech" })).toBeVisible();
  await page.locator("body[data-hydrated]").waitFor();
  return page.url().split("/").pop()!;
}

async function looked(page: Page, name: string) {
  await axe(page, name);
  await shot(page, `${name}-1280`);
  await page.setViewportSize({ width: 360, height: 740 });
  await shot(page, `${name}-360`);
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  expect(overflow, `${name} scrolls sideways at 360 px`).toBeLessThanOrEqual(0);
  await page.setViewportSize({ width: 1280, height: 860 });
}

test("the details page shows the data receipt, the sync history and held removals to review", async ({ page }) => {
  await page.setViewportSize({ width: 1280, height: 860 });
  await signIn(page, DEMO.globex);
  const id = await connectInitech(page);

  const receipt = page.getByRole("region", { name: "Data receipt" });
  await expect(receipt.getByText("Given by Gus Globex")).toBeVisible();
  await expect(receipt.getByText("Job title")).toBeVisible();
  await expect(receipt.getByText(/Social security/)).toBeVisible();
  await expect(receipt.getByText("1 sync: 60 people added, 0 updated, 0 removed")).toBeVisible();
  const history = page.getByRole("region", { name: "Sync history" });
  await expect(history.getByRole("row").nth(1)).toContainText("First sync");
  await expect(history.getByRole("row").nth(1)).toContainText("Succeeded");
  await looked(page, "details-0-receipt");

  // A campaign with one of Initech's people among its recipients.
  const campaign = sql(`INSERT INTO campaigns (id, account_id, name, occasion)
                        SELECT gen_random_uuid(), account_id, 'Spring thanks', 'Thank you'
                        FROM connections WHERE id = '${id}' RETURNING id`);
  sql(`INSERT INTO campaign_members (campaign_id, connection_id, merge_id)
       SELECT '${campaign}', connection_id, merge_id FROM staff WHERE connection_id = '${id}' LIMIT 1`);

  // 100 people the HR system no longer lists: more than a fifth, so the sync holds them.
  sql(`INSERT INTO staff (connection_id, merge_id, account_id, display_name, job_title)
       SELECT c.id, 'ghost-' || g, c.account_id, 'Ghost <b>' || g || '</b>', 'Phantom'
       FROM connections c, generate_series(1, 100) g WHERE c.id = '${id}'`);
  await page.getByRole("button", { name: "Resync now" }).click();
  const held = page.getByRole("region", { name: "100 people waiting for your review" });
  await expect(held).toBeVisible({ timeout: 30_000 });
  // Names from HR systems are text, never markup.
  await expect(held.getByText("Ghost <b>1</b>", { exact: true })).toBeVisible();
  await expect(held.getByText("and 80 more")).toBeVisible();
  await expect(page.getByText("Needs attention")).toBeVisible();
  await looked(page, "details-1-held");

  // The hold is an incident: a banner on Integrations with the fix, and one email to each admin.
  await gotoHydrated(page, "/integrations");
  const banner = page.getByRole("region", { name: /needs? attention/ });
  const incident = banner.getByRole("listitem").filter({ hasText: "Initech would remove many people at once" });
  await expect(incident).toContainText("A sync would remove 100 people at once");
  await expect(incident).toContainText("Campaigns use its people as of");
  expect(sql(`SELECT count(*) FROM mail_outbox m JOIN users u ON u.email = m.to_address
              WHERE m.subject = 'Action needed: Sage HR ("Initech") holds removals for your review'
                AND u.account_id = (SELECT account_id FROM connections WHERE id = '${id}')`)).toBe("1");
  await looked(page, "integrations-incident");
  // The campaign that has Initech's people says so too, with the same fix.
  await gotoHydrated(page, `/campaigns/${campaign}`);
  const onCampaign = page.getByRole("region", { name: /needs? attention/ });
  await expect(onCampaign).toContainText("Initech would remove many people at once");
  await looked(page, "campaign-incident");
  await onCampaign.getByRole("link", { name: "Review removals" }).click();
  await expect(page).toHaveURL(new RegExp(`/integrations/${id}#held-title$`));
  await page.locator("body[data-hydrated]").waitFor();

  await held.getByRole("button", { name: "Remove these 100 people" }).click();
  await expect(held).toHaveCount(0);
  await expect(page.getByText("Healthy")).toBeVisible();
  await expect(receipt.getByText("100 people", { exact: true })).toBeVisible();
  await expect(receipt.getByRole("row").nth(1)).toContainText("No longer listed by the HR system");
  await expect(page.locator(".connection-facts")).toContainText("60 people");
  // Reviewed: the incident is closed at once and the banners gone.
  await gotoHydrated(page, "/integrations");
  await expect(page.getByText("Initech would remove many people at once")).toHaveCount(0);
  await gotoHydrated(page, `/campaigns/${campaign}`);
  await expect(page.getByRole("heading", { level: 1, name: "Spring thanks" })).toBeVisible();
  await expect(page.getByText("Initech would remove many people at once")).toHaveCount(0);
  sql(`DELETE FROM campaigns WHERE id = '${campaign}'`);
});

test("each person chooses whether connection alerts are emailed to them", async ({ page }) => {
  await page.setViewportSize({ width: 1280, height: 860 });
  await signIn(page, DEMO.globex);
  await gotoHydrated(page, "/account");
  const section = page.getByRole("region", { name: "Notifications" });
  const box = section.getByRole("checkbox", { name: "Email me when a connection needs attention" });
  await expect(box).toBeChecked();
  // By keyboard: Space toggles it, and the choice is saved and kept.
  await box.focus();
  await page.keyboard.press("Space");
  await expect(section.getByText("Saved: you no longer get connection alerts.")).toBeVisible();
  await looked(page, "account-notifications");
  await gotoHydrated(page, "/account");
  await expect(box).not.toBeChecked();
  await box.click();
  await expect(section.getByText("Saved: you get connection alerts.")).toBeVisible();
  await gotoHydrated(page, "/account");
  await expect(box).toBeChecked();
});

test("an admin relinks a connection whose HR system stopped accepting its access", async ({ page }) => {
  await page.setViewportSize({ width: 1280, height: 860 });
  await signIn(page, DEMO.globex);
  await gotoHydrated(page, "/integrations");
  const id = sql(`SELECT id FROM connections WHERE label = 'Initech'`);
  sql(`UPDATE connections SET status = 'needs_relink', status_reason = 'Sage HR no longer accepts the access it gave. Relink to restore it.' WHERE id = '${id}'`);
  // A relink alert's link opens the page with the Relink dialog already open.
  await gotoHydrated(page, `/integrations/${id}?relink`);
  const dialog = page.getByRole("dialog", { name: "Relink Initech" });
  await expect(dialog).toBeVisible();
  await page.keyboard.press("Escape");
  await expect(dialog).toBeHidden();
  await expect(page.getByText("Needs relink")).toBeVisible();
  await expect(page.locator(".connection-reason")).toHaveText(/Sage HR no longer accepts the access/);

  await page.getByRole("button", { name: "Relink" }).click();
  await expect(dialog).toBeVisible();
  await expect(dialog.getByLabel("Name this connection")).toHaveCount(0);
  await dialog.getByLabel("Subdomain").fill("initech");
  await dialog.getByLabel("API key").fill("not-the-key");
  await dialog.getByRole("button", { name: "Relink" }).click();
  await expect(dialog.getByText("Sage HR rejected this API key.")).toBeVisible();
  await looked(page, "details-2-relink");

  await dialog.getByLabel("API key").fill("demo-api-key");
  await dialog.getByRole("button", { name: "Relink" }).click();
  await expect(dialog).toBeHidden();
  await expect(page.getByText("Healthy")).toBeVisible({ timeout: 60_000 });
  const history = page.getByRole("region", { name: "Sync history" });
  await expect(history.getByRole("row").nth(1)).toContainText("After relinking");
  await expect(page.locator(".connection-facts")).toContainText("60 people");
  expect(sql(`SELECT count(*) FROM connections WHERE label = 'Initech'`)).toBe("1");

  // The activity log has both admin actions, with who and from where.
  await gotoHydrated(page, "/integrations");
  await page.getByRole("link", { name: "Activity log" }).click();
  await expect(page.getByRole("heading", { level: 1, name: "Activity" })).toBeVisible();
  const log = page.locator(".activity-table");
  await expect(log.getByText("Relinked an HR system")).toBeVisible();
  await expect(log.getByText("Reviewed held removals")).toBeVisible();
  await expect(log.getByText("Removed 100 people the HR system no longer lists")).toBeVisible();
  await expect(log.getByText("Connected an HR system")).toBeVisible();
  await looked(page, "activity");
});

test("a campaign manager sees a connection's details but cannot act on them", async ({ page }) => {
  await signIn(page, DEMO.manager);
  await gotoHydrated(page, "/integrations");
  await page.getByRole("link", { name: "View details of Sales pipeline" }).click();
  // A CRM carries no staff: its page says what it does instead of an HR data receipt.
  await expect(page.getByRole("region", { name: "What this integration does" })).toBeVisible();
  await expect(page.getByRole("region", { name: "Data receipt" })).toHaveCount(0);
  await page.locator("body[data-hydrated]").waitFor();
  await expect(page.getByRole("button", { name: "Rename" })).toHaveCount(0);
  // Another account's connection is simply not there.
  const globex = sql(`SELECT id FROM connections WHERE label = 'Initech'`);
  await gotoHydrated(page, `/integrations/${globex}`);
  await expect(page.getByRole("heading", { name: "Connection not found" })).toBeVisible();
});
