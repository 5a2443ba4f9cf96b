import { test, expect, gotoHydrated, signIn, shot, axe, sql, createAccount, DEMO } from "./fixtures";
import type { Page } from "@playwright/test";

// A fresh account of its own, so the tenants it connects are not ones other specs connected.
const stamp = `${Date.now()}${Math.floor(Math.random() * 1000)}`;
const ADMIN = { email: `hana+${stamp}@hooli.example`, password: "amber-kettle-over-the-moor" };

async function looked(page: Page, name: string) {
  await axe(page, `${name} 1280`);
  await shot(page, `${name}-1280`);
  await page.setViewportSize({ width: 360, height: 740 });
  await axe(page, `${name} 360`);
  await shot(page, `${name}-360`);
  await page.setViewportSize({ width: 1280, height: 860 });
}

/// Connects a sandbox Sage HR tenant with the name left empty, through the dialog's server
/// function, and waits until the page shows it synced.
async function connectUnnamed(page: Page, subdomain: string) {
  await gotoHydrated(page, "/integrations");
  const status = await page.evaluate(async (subdomain) => {
    const res = await fetch("/api/integrations/connect", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ slug: "sage-hr", label: "", optional_fields: [], credentials: { subdomain, api_key: "demo-api-key" } }),
    });
    return res.status;
  }, subdomain);
  expect(status).toBe(200);
  await gotoHydrated(page, "/integrations");
  await expect(page.getByRole("listitem", { name: `Sage HR · ${subdomain}` }).getByText("Healthy")).toBeVisible({ timeout: 60_000 });
}

async function focusRing(page: Page): Promise<string> {
  return page.evaluate(() => {
    const el = document.activeElement as HTMLElement;
    const own = getComputedStyle(el);
    const group = el.closest(".input-group");
    const ring = group ? getComputedStyle(group) : own;
    return `${ring.outlineStyle} ${ring.outlineWidth}`;
  });
}

test.describe.serial("connections told apart", () => {
  test("two tenants of one system get distinct names everywhere they are named", async ({ page }) => {
    await page.setViewportSize({ width: 1280, height: 860 });
    const link = createAccount(`Hooli ${stamp}`, ADMIN.email, "Hana Hooli");
    await gotoHydrated(page, link);
    await page.getByLabel("Choose a password").fill(ADMIN.password);
    await page.getByRole("button", { name: "Join and sign in" }).click();
    await page.waitForURL(/\/campaigns/);

    await connectUnnamed(page, "acme");
    await connectUnnamed(page, "initech");
    const acme = page.getByRole("listitem", { name: "Sage HR · acme" });
    const initech = page.getByRole("listitem", { name: "Sage HR · initech" });
    await expect(acme.getByText("Sage HR · HR system · acme.sage.hr")).toBeVisible();
    await expect(initech.getByText("Sage HR · HR system · initech.sage.hr")).toBeVisible();
    await expect(initech.getByText("60 people")).toBeVisible();

    // Rename opens with the current name, and refuses one the other connection has.
    await initech.getByRole("button", { name: "Rename" }).click();
    const name = initech.getByRole("textbox", { name: "Name" });
    await expect(name).toHaveValue("Sage HR · initech");
    await name.fill("sage hr · ACME");
    await initech.getByRole("button", { name: "Save" }).click();
    await expect(initech.getByText('Another connection is already called "sage hr · ACME".', { exact: false })).toBeVisible();
    await looked(page, "connections-1-cards");

    // The details page and the recipients' HR-system filter use the same names.
    await acme.getByRole("link", { name: "View details of Sage HR · acme" }).click();
    await expect(page.getByRole("heading", { level: 1, name: "Sage HR · acme" })).toBeVisible();
    await expect(page.getByText("Sage HR · HR system · acme.sage.hr")).toBeVisible();
    await gotoHydrated(page, "/people");
    await page.getByText("More filters").click();
    const source = page.getByLabel("HR system");
    await expect(source.locator("option")).toHaveText(["All HR systems", "Sage HR · acme", "Sage HR · initech"]);
    await source.selectOption({ label: "Sage HR · initech" });
    await expect(page.getByRole("cell", { name: "Sage HR · initech" }).first()).toBeVisible();
    await expect(page.getByRole("cell", { name: "Sage HR · acme" })).toHaveCount(0);
  });

  test("typing a tenant already connected offers to resync it instead, by keyboard", async ({ page }) => {
    await signIn(page, ADMIN, "/integrations");
    await page.locator("body[data-hydrated]").waitFor();
    await page.getByRole("button", { name: "Connect new integration" }).focus();
    await page.keyboard.press("Enter");
    const dialog = page.getByRole("dialog");
    await expect(dialog.getByRole("combobox", { name: "Search for your HR system" })).toBeFocused();
    await page.keyboard.type("sage");
    await page.keyboard.press("Enter");
    await dialog.getByRole("button", { name: "Allow access" }).focus();
    await page.keyboard.press("Enter");
    const subdomain = dialog.getByRole("textbox", { name: "Subdomain" });
    await expect(subdomain).toBeFocused();
    expect(await focusRing(page)).toBe("solid 3px");
    await page.keyboard.type("ACME");
    await page.keyboard.press("Tab");
    const notice = dialog.getByRole("alert").filter({ hasText: "is already connected" });
    await expect(notice).toContainText("Sage HR · acme is already connected");
    await expect(notice).toContainText("Connecting acme.sage.hr again would copy the same staff a second time.");
    await page.keyboard.type("demo-api-key");
    // The name field, outside an input group, shows the same solid ring as the others.
    await dialog.getByLabel("Name this connection").focus();
    expect(await focusRing(page)).toBe("solid 3px");
    await expect(dialog.getByText("Left empty, it is called “Sage HR · acme”.")).toBeVisible();
    await looked(page, "connections-2-same-tenant");
    // Connecting anyway only moves the focus to the offer; nothing is created.
    await page.keyboard.press("Enter");
    await expect(dialog.locator("#same-tenant")).toBeFocused();
    await page.keyboard.press("Tab");
    await expect(dialog.getByRole("button", { name: "Resync Sage HR · acme" })).toBeFocused();
    await page.keyboard.press("Enter");
    await expect(dialog).toBeHidden();
    expect(sql(`SELECT count(*) FROM connections c JOIN users u ON u.account_id = c.account_id
                WHERE u.email = '${ADMIN.email}' AND c.tenant = 'acme'`)).toBe("1");
  });

  test("the same-tenant offer resyncs or relinks the connection already there, and links to it", async ({ page }) => {
    const acmeJobs = () =>
      Number(sql(`SELECT count(*) FROM sync_jobs j JOIN connections c ON c.id = j.connection_id
                  JOIN users u ON u.account_id = c.account_id
                  WHERE u.email = '${ADMIN.email}' AND c.tenant = 'acme'`));
    const acmeConnections = () =>
      sql(`SELECT count(*) FROM connections c JOIN users u ON u.account_id = c.account_id
           WHERE u.email = '${ADMIN.email}' AND c.tenant = 'acme'`);
    const offer = async () => {
      await gotoHydrated(page, "/integrations");
      await page.getByRole("button", { name: "Connect new integration" }).click();
      const dialog = page.getByRole("dialog");
      await dialog.getByRole("combobox", { name: "Search for your HR system" }).fill("sage");
      await dialog.getByRole("option", { name: /Sage HR/ }).first().click();
      await dialog.getByRole("button", { name: "Allow access" }).click();
      await dialog.getByRole("textbox", { name: "Subdomain" }).fill("acme");
      await dialog.getByRole("textbox", { name: "Subdomain" }).blur();
      const notice = dialog.getByRole("alert").filter({ hasText: "is already connected" });
      await expect(notice).toBeVisible();
      return { dialog, notice };
    };
    await signIn(page, ADMIN, "/integrations");
    await page.locator("body[data-hydrated]").waitFor();
    const before = acmeJobs();

    // Resync queues a sync of the connection already there.
    let { dialog, notice } = await offer();
    await notice.getByRole("button", { name: "Resync Sage HR · acme" }).click();
    await expect(dialog).toBeHidden();
    expect(acmeJobs()).toBe(before + 1);
    await expect(page.getByRole("listitem", { name: "Sage HR · acme" }).getByText("Healthy")).toBeVisible({ timeout: 60_000 });

    // Relink uses the details typed: a wrong key is refused in the offer and changes nothing.
    ({ dialog, notice } = await offer());
    await dialog.getByLabel("API key").fill("not-the-key");
    await notice.getByRole("button", { name: "Relink it with these details" }).click();
    await expect(notice.locator(".field-error")).not.toBeEmpty();
    expect(acmeJobs()).toBe(before + 1);
    await dialog.getByLabel("API key").fill("demo-api-key");
    await notice.getByRole("button", { name: "Relink it with these details" }).click();
    await expect(dialog).toBeHidden();
    expect(acmeJobs()).toBe(before + 2);
    expect(acmeConnections()).toBe("1");
    await expect(page.getByRole("listitem", { name: "Sage HR · acme" }).getByText("Healthy")).toBeVisible({ timeout: 60_000 });

    // "View it" opens the connection's own page.
    ({ dialog, notice } = await offer());
    await notice.getByRole("link", { name: "View it" }).click();
    await expect(page.getByRole("heading", { level: 1, name: "Sage HR · acme" })).toBeVisible();
    expect(acmeConnections()).toBe("1");
  });

  test("Disconnect names the connection and what each campaign loses, then folds it away", async ({ page }) => {
    await page.setViewportSize({ width: 1280, height: 860 });
    const account = sql(`SELECT account_id FROM users WHERE email = '${ADMIN.email}'`);
    const campaign = sql(`INSERT INTO campaigns (id, account_id, name, occasion, audience_kind)
      VALUES (gen_random_uuid(), '${account}', 'Q1 new joiners – Germany', 'Welcome to the team', 'snapshot') RETURNING id`);
    for (const [tenant, n] of [["initech", 2], ["acme", 3]] as const) {
      sql(`INSERT INTO campaign_members (campaign_id, connection_id, merge_id)
        SELECT '${campaign}', s.connection_id, s.merge_id FROM staff s JOIN connections c ON c.id = s.connection_id
        WHERE c.account_id = '${account}' AND c.tenant = '${tenant}' AND s.removed_at IS NULL AND NOT s.deleted
          AND s.employment_status = 'ACTIVE' AND s.termination_date IS NULL
        ORDER BY s.merge_id LIMIT ${n}`);
    }
    await signIn(page, ADMIN, "/integrations");
    await page.locator("body[data-hydrated]").waitFor();
    await page.getByRole("button", { name: "Disconnect Sage HR · initech" }).click();
    const dialog = page.getByRole("dialog", { name: "Disconnect Sage HR · initech?" });
    await expect(dialog).toBeVisible();
    await expect(dialog.getByRole("listitem")).toHaveText(["Q1 new joiners – Germany loses 2 of 5"]);
    await looked(page, "connections-3-disconnect");
    await dialog.getByText("Delete it now").click();
    await expect(dialog.getByText("Campaigns that lose recipients now:")).toBeVisible();
    await dialog.getByRole("button", { name: "Disconnect" }).click();
    await expect(dialog).toBeHidden();

    // The card is gone; the connection waits, folded, in the history with what became of its data.
    await expect(page.getByRole("listitem", { name: "Sage HR · initech" })).toHaveCount(0);
    const history = page.locator("details.disconnected-history");
    const summary = history.locator("summary");
    await expect(summary).toHaveText("Disconnected (1)");
    await expect(history.getByText("All synced staff data was deleted.")).toBeHidden();
    await summary.focus();
    await page.keyboard.press("Enter");
    await expect(history.getByText("Disconnected. All synced staff data was deleted.")).toBeVisible();
    await expect(history.getByRole("link", { name: "Sage HR · initech" })).toBeVisible();
    await looked(page, "connections-4-history");
  });
});

test("CRM integrations are described as CRMs, and the picker says how they are set up", async ({ page }) => {
  await page.setViewportSize({ width: 360, height: 740 });
  await signIn(page, DEMO.admin, "/integrations");
  await page.locator("body[data-hydrated]").waitFor();
  const card = page.getByRole("listitem", { name: "Sales pipeline" });
  await expect(card.getByText("Salesforce · CRM")).toBeVisible();
  await expect(card.getByText("Salesforce is your CRM.", { exact: false })).toBeVisible();
  await expect(card.getByText(/\d+ people/)).toHaveCount(0);
  await card.getByRole("link", { name: "View details of Sales pipeline" }).click();
  await expect(page.getByRole("heading", { name: "What this integration does" })).toBeVisible();
  await expect(page.getByText("Fields stored")).toHaveCount(0);
  await expect(page.getByText("No syncs yet")).toHaveCount(0);
  await axe(page, "crm details 360");
  await shot(page, "connections-5-crm-360");

  await gotoHydrated(page, "/integrations");
  await page.getByRole("button", { name: "Connect new integration" }).click();
  const dialog = page.getByRole("dialog");
  await dialog.getByRole("combobox", { name: "Search for your HR system" }).fill("salesforce");
  await expect(dialog.getByText("Salesforce is a CRM, not an HR system.", { exact: false })).toBeVisible();
  await expect(dialog.getByText("CRM integrations are set up by your &Open account team", { exact: false })).toBeVisible();
  await expect(dialog.getByText("No HR system matches.")).toHaveCount(0);
  await axe(page, "picker crm 360");
  await shot(page, "connections-6-picker-crm-360");
});
