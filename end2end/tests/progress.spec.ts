import { test, expect, gotoHydrated, shot, axe, createAccount, sql, DEMO, signIn } from "./fixtures";
import type { Page } from "@playwright/test";

const PASSWORD = "copper-lantern-sings-at-dusk";
const stamp = () => `${Date.now()}${Math.floor(Math.random() * 1000)}`;

/// A fresh account with its own admin, so the connections made here touch no other spec's data.
async function freshAdmin(page: Page, company: string): Promise<string> {
  const id = stamp();
  const name = `${company} ${id}`;
  await gotoHydrated(page, createAccount(name, `ida-${id}@initech.example`, "Ida Initech"));
  await page.getByLabel("Choose a password").fill(PASSWORD);
  await page.getByRole("button", { name: "Join and sign in" }).click();
  await page.waitForURL(/\/campaigns/);
  await page.locator("body[data-hydrated]").waitFor();
  return name;
}

async function connectSage(page: Page, apiKey: string) {
  await gotoHydrated(page, "/integrations");
  await page.getByRole("button", { name: "Connect new integration" }).click();
  const dialog = page.getByRole("dialog");
  await dialog.getByRole("combobox", { name: "Search for your HR system" }).fill("sage");
  await dialog.getByRole("option", { name: /Sage HR/ }).click();
  await dialog.getByRole("button", { name: "Allow access" }).click();
  await dialog.getByRole("textbox", { name: "Subdomain" }).fill("initech");
  await dialog.getByLabel("API key").fill(apiKey);
  await dialog.getByRole("button", { name: "Connect", exact: true }).click();
  return dialog;
}

for (const width of [1280, 360]) {
  test(`missing HR permissions are named, with what they empty and a way to check again, at ${width} px`, async ({ page }) => {
    await page.setViewportSize({ width, height: width === 360 ? 740 : 860 });
    const account = await freshAdmin(page, `Perms${width}`);
    const dialog = await connectSage(page, "demo-no-permissions");

    // While the first sync runs, the dialog and the card behind it show the same numbers.
    await expect(dialog.getByRole("progressbar")).toBeVisible({ timeout: 20_000 });
    const [inDialog, onCard] = await page.evaluate(() => [
      document.querySelector("dialog[open] .progress-counts")?.textContent,
      document.querySelector(".connection-card .progress-counts, .card .progress-counts")?.textContent,
    ]);
    if (onCard !== undefined && onCard !== null) expect(inDialog).toBe(onCard);

    await expect(dialog.getByRole("heading", { name: "Sage HR · initech is connected, but some data is missing" })).toBeVisible({ timeout: 45_000 });
    await expect(dialog.getByText("Sage HR did not give Merge everything it asked for.")).toBeVisible();
    await expect(dialog.getByText(/Missing permission to read employment details/)).toBeVisible();
    await expect(dialog.getByText("Until it is fixed, these filters find no one from Sage HR: Job title contains.")).toBeVisible();
    await expect(dialog.getByText(/people are ready for your campaigns/)).toHaveCount(0);
    await expect(dialog.getByText(/^60 people synced; [\d,]+ can be chosen in campaigns\.$/)).toBeVisible();
    await expect(dialog.getByRole("link", { name: "Permissions Sage HR needs" })).toHaveAttribute(
      "href",
      "/help/connect/sage-hr#permissions",
    );
    await expect(dialog.getByRole("link", { name: "Start a campaign" })).toBeVisible();
    await expect(dialog.getByRole("link", { name: "See the people" })).toBeVisible();
    await axe(page, `missing permissions ${width}`);
    await shot(page, `progress-missing-permissions-${width}`);

    // "Check again" runs a new sync; once the HR admin has granted the rights it would pass.
    const jobs = () =>
      Number(
        sql(`SELECT count(*) FROM sync_jobs j JOIN connections c ON c.id = j.connection_id
             JOIN accounts a ON a.id = c.account_id WHERE a.name = '${account}'`),
      );
    expect(jobs()).toBe(1);
    await dialog.getByRole("button", { name: "Check again" }).click();
    await expect.poll(jobs, { timeout: 15_000 }).toBe(2);
    await expect(dialog.getByRole("heading", { name: "Sage HR · initech is connected, but some data is missing" })).toBeVisible({ timeout: 45_000 });
    await expect(dialog.getByRole("alert")).toHaveCount(0);

    // The summary email says the same.
    await dialog.getByRole("button", { name: "Done" }).click();
    await gotoHydrated(page, "/outbox");
    const mail = page.locator(".outbox-message").filter({
      has: page.getByRole("heading", { name: "Sage HR is connected, but some data is missing: 60 people synced" }),
    });
    await expect(mail).toHaveCount(1);
    await expect(mail.getByText(/these filters find no one from Sage HR: Job title contains\./)).toBeVisible();
    await expect(mail.getByText(/Campaigns can choose: [\d,]+/)).toBeVisible();
    // Missing permissions are also a connection incident: every admin is alerted, with the guide.
    const alert = page.locator(".outbox-message").filter({
      has: page.getByRole("heading", { name: "Action needed: Sage HR · initech is missing permissions" }),
    });
    await expect(alert).toHaveCount(1);
    await expect(alert).toContainText("/help/connect/sage-hr#permissions");
    await axe(page, `missing permissions email ${width}`);
    await shot(page, `progress-missing-permissions-email-${width}`);

    // The guide lists the permissions.
    await gotoHydrated(page, "/help/connect/sage-hr#permissions");
    await expect(page.getByRole("heading", { name: "Permissions HR Connectors needs" })).toBeVisible();
  });
}

for (const width of [1280, 360]) {
  test(`a sync with a known total shows its percentage, rate and time left at ${width} px`, async ({ page }) => {
    await page.setViewportSize({ width, height: width === 360 ? 740 : 860 });
    const account = await freshAdmin(page, `Rate${width}`);
    const dialog = await connectSage(page, "demo-api-key");
    await expect(dialog.getByRole("heading", { name: "Sage HR · initech is connected" })).toBeVisible({ timeout: 45_000 });
    await dialog.getByRole("button", { name: "Done" }).click();

    // A second full sync, part-way through reading, held by a worker elsewhere. The browser
    // cannot pause a real sync at a known point, so it is arranged in the database.
    sql(`INSERT INTO sync_jobs (id, connection_id, kind, state, full_sync, phase, received, expected,
           locked_by, heartbeat_at, started_at, phase_started_at)
         SELECT gen_random_uuid(), c.id, 'manual', 'running', true, 'reading', 3400, 10000,
           'e2e-elsewhere', now() + interval '1 hour', now() - interval '104 seconds', now() - interval '100 seconds'
         FROM connections c JOIN accounts a ON a.id = c.account_id
         WHERE a.name = '${account}' AND c.integration_slug = 'sage-hr'`);
    await gotoHydrated(page, "/integrations");
    const bar = page.getByRole("progressbar").first();
    await expect(bar).toHaveAttribute("aria-valuenow", "34");
    await expect(page.getByText("3,400 of about 10,000 people").first()).toBeVisible();
    await expect(page.getByText(/^34% · \d+ people a second · about [\d a-z]+ left · [\d a-z]+ elapsed$/).first()).toBeVisible();
    await axe(page, `known total ${width}`);
    await shot(page, `progress-known-total-${width}`);
    sql(`DELETE FROM sync_jobs WHERE locked_by = 'e2e-elsewhere' AND connection_id IN
           (SELECT c.id FROM connections c JOIN accounts a ON a.id = c.account_id WHERE a.name = '${account}')`);
  });
}

for (const width of [1280, 360]) {
  test(`the navigation shows every section, the Outbox and the account name at ${width} px`, async ({ page }) => {
    await page.setViewportSize({ width, height: width === 360 ? 740 : 860 });
    await signIn(page, DEMO.admin, "/campaigns");
    await page.locator("body[data-hydrated]").waitFor();
    const nav = page.getByRole("navigation", { name: "Main" });
    for (const section of ["Campaigns", "People", "Integrations", "Team", "Help", "Outbox"]) {
      await expect(nav.getByRole("link", { name: section })).toBeInViewport();
    }
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(overflow).toBeLessThanOrEqual(0);
    await expect(page.locator(".account-name")).toBeVisible();
    await expect(page.locator(".account-name")).toHaveText("Acme Ltd");
    await axe(page, `navigation ${width}`);
    await shot(page, `progress-navigation-${width}`);
    await nav.getByRole("link", { name: "Outbox" }).click();
    await expect(page.getByRole("heading", { name: "Outbox", level: 1 })).toBeVisible();
    await expect(page.getByText(/SMTP/)).toHaveCount(0);
  });
}
