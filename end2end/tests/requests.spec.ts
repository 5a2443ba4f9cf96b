import { test, expect, gotoHydrated, shot, axe, sql, createAccount, linkFromOutbox, signIn, DEMO } from "./fixtures";
import { readFileSync } from "node:fs";
import type { Browser, Page } from "@playwright/test";

/// "Ask a colleague to connect": an admin hands the connect step to someone with rights in the
/// HR system; the colleague's browser has no session, only the emailed link.

const PASSWORD = "copper-lantern-sings-at-dusk";
const stamp = () => `${Date.now()}${Math.floor(Math.random() * 1000)}`;

/// A fresh account whose admin is signed in on `page`, so nothing else shares its connections.
async function freshAdmin(page: Page, name: string): Promise<{ company: string; admin: string }> {
  const id = stamp();
  const company = `${name} ${id}`;
  const admin = `ida-${id}@${name.toLowerCase()}.example`;
  await gotoHydrated(page, createAccount(company, admin, "Ida Admin"));
  await page.getByLabel("Choose a password").fill(PASSWORD);
  await page.getByRole("button", { name: "Join and sign in" }).click();
  await page.waitForURL(/\/campaigns/);
  await page.locator("body[data-hydrated]").waitFor();
  return { company, admin };
}

/// Sends a request through the same server function the dialog uses.
async function ask(page: Page, name: string, email: string, slug = "sage-hr") {
  await gotoHydrated(page, "/integrations");
  const status = await page.evaluate(async ([name, email, slug]) => {
    const res = await fetch("/api/integrations/ask-colleague", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ slug, optional_fields: ["job_title"], draft: { name, email, message: "" } }),
    });
    return res.status;
  }, [name, email, slug]);
  expect(status).toBe(200);
}

/// A page in a second browser with no session: the colleague's.
async function colleaguePage(browser: Browser): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 860 } });
  const page = await context.newPage();
  const errors: string[] = [];
  page.on("pageerror", (err) => errors.push(err.message));
  page.on("console", (msg) => {
    if (msg.type() === "error" && !/status of 4\d\d/.test(msg.text())) errors.push(msg.text());
  });
  page.on("close", () => expect(errors, "errors on the colleague's page").toEqual([]));
  return page;
}

async function refused(page: Page, link: string, message: RegExp) {
  await gotoHydrated(page, link);
  await expect(page.getByRole("heading", { name: "This link can't be used" })).toBeVisible();
  await expect(page.getByRole("alert")).toHaveText(message);
}

test("a colleague connects through the link, narrowing the consent, after a wrong key", async ({ page, browser }) => {
  await page.setViewportSize({ width: 1280, height: 860 });
  const { company, admin } = await freshAdmin(page, "Northwind");
  const jo = `jo-${stamp()}@northwind.example`;

  // From the connect dialog's consent step, the rest can go to a colleague instead.
  await gotoHydrated(page, "/integrations");
  await page.getByRole("button", { name: "Connect new integration" }).click();
  const dialog = page.getByRole("dialog");
  await dialog.getByRole("combobox", { name: "Search for your HR system" }).fill("sage");
  await dialog.getByRole("option", { name: /Sage HR/ }).click();
  await page.setViewportSize({ width: 360, height: 740 });
  await dialog.getByRole("button", { name: "Allow access" }).scrollIntoViewIfNeeded();
  await page.screenshot({ path: "screenshots/request-0-consent-dialog-360.png" });
  await page.setViewportSize({ width: 1280, height: 860 });
  await dialog.getByRole("button", { name: "Ask a colleague to connect" }).click();
  await expect(dialog.getByRole("heading", { name: "Who should connect Sage HR?" })).toBeFocused();
  await dialog.getByRole("button", { name: "Back" }).click();
  await expect(dialog.getByRole("button", { name: "Allow access" })).toBeVisible();
  await dialog.getByRole("button", { name: "Close" }).click();

  // Or straight from Integrations: the system, what to propose, then who should connect it.
  await page.getByRole("button", { name: "Ask a colleague to connect", exact: true }).click();
  await dialog.getByRole("combobox", { name: "Search for your HR system" }).fill("sage");
  await dialog.getByRole("option", { name: /Sage HR/ }).click();
  await dialog.getByLabel(/Employee ID/).check();
  await dialog.getByRole("button", { name: "Next: who connects" }).click();
  await dialog.getByRole("button", { name: "Send request" }).click();
  await expect(dialog.locator("#ask-name-error")).toHaveText("Enter your colleague's name.");
  await dialog.getByLabel("Their name").fill("Jo Colleague");
  await expect(dialog.locator("#ask-name-error")).toBeEmpty();
  await dialog.getByLabel("Their work email").fill(jo);
  await dialog.getByLabel(/Message/).fill("Could you connect our HR system? <b>Thanks!</b>");
  await axe(page, "ask a colleague");
  await shot(page, "request-0-ask-1280");
  await dialog.getByRole("button", { name: "Send request" }).click();
  await expect(dialog.getByRole("heading", { name: "We've asked Jo Colleague to connect Sage HR" })).toBeVisible();
  await dialog.getByRole("button", { name: "Done" }).click();
  const requests = page.getByRole("region", { name: "Requests to colleagues" });
  await expect(requests.getByRole("listitem").filter({ hasText: jo })).toContainText("Sent");

  // The colleague opens the link from the email in a browser that is signed in nowhere.
  const link = await linkFromOutbox(page, jo, "/connect?token=");
  const colleague = await colleaguePage(browser);
  await gotoHydrated(colleague, link);
  await expect(colleague.getByRole("heading", { level: 1, name: `Connect Sage HR for ${company}` })).toBeVisible();
  await expect(colleague.getByText("Ida Admin asked you, Jo Colleague, to connect Sage HR")).toBeVisible();
  // The admin's message is text, never markup.
  await expect(colleague.getByText("Could you connect our HR system? <b>Thanks!</b>")).toBeVisible();
  // Nothing of the account beyond the request: no navigation, no other connections.
  await expect(colleague.getByRole("navigation")).toHaveCount(0);
  // They can switch off what was proposed, never switch on what was not.
  await expect(colleague.getByLabel(/Personal email/)).toBeDisabled();
  await expect(colleague.getByLabel(/Personal email/)).not.toBeChecked();
  await expect(colleague.getByLabel(/Employee ID/)).toBeChecked();
  await colleague.getByLabel(/Employee ID/).uncheck();
  await colleague.getByText("Which data to enable in Sage HR").click();
  await expect(colleague.getByText("Teams and departments")).toBeVisible();
  await axe(colleague, "request link");
  await shot(colleague, "request-1-consent-1280");
  await colleague.setViewportSize({ width: 360, height: 740 });
  await shot(colleague, "request-1-consent-360");
  const overflow = await colleague.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  expect(overflow, "the request page scrolls sideways at 360 px").toBeLessThanOrEqual(0);
  await colleague.setViewportSize({ width: 1280, height: 860 });
  expect(sql(`SELECT opened_at IS NOT NULL FROM connect_invitations WHERE invitee_email = '${jo}'`)).toBe("t");

  await colleague.getByRole("button", { name: "Allow and continue" }).click();
  await colleague.getByRole("textbox", { name: "Subdomain" }).fill("initech");
  await colleague.getByLabel("API key").fill("not-the-key");
  await colleague.getByRole("button", { name: "Connect", exact: true }).click();
  await expect(colleague.getByText("Sage HR rejected this API key.")).toBeVisible();
  await shot(colleague, "request-2-wrong-key-1280");
  // A wrong key does not use the link up.
  expect(sql(`SELECT connected_at IS NULL FROM connect_invitations WHERE invitee_email = '${jo}'`)).toBe("t");
  await colleague.getByLabel("API key").fill("demo-api-key");
  await colleague.getByRole("button", { name: "Connect", exact: true }).click();
  await expect(colleague.getByRole("heading", { name: "Sage HR is connected" })).toBeVisible({ timeout: 60_000 });
  await expect(colleague.getByText("Done, thank you. Ida Admin has been emailed a summary.")).toBeVisible();
  await shot(colleague, "request-3-connected-1280");
  // Used links say so.
  await refused(colleague, link, /This link has been used: Sage HR is connected\. If something else is needed, ask Ida Admin/);
  await colleague.close();
  // The link's token is in no log line of the server that served all of this.
  const token = new URL(link).searchParams.get("token")!;
  expect(token.length).toBeGreaterThanOrEqual(43);
  if (process.env.E2E_SERVER_LOG) {
    const log = readFileSync(process.env.E2E_SERVER_LOG, "utf8");
    expect(log).toContain("/api/connect/connect");
    expect(log.includes(token), "the server log holds the request's token").toBe(false);
  }

  // The admin sees the connection, who made it and at whose request, and has the email.
  await gotoHydrated(page, "/integrations");
  await expect(requests.getByRole("listitem").filter({ hasText: jo })).toContainText("Connected");
  await expect(page.getByRole("listitem", { name: /Sage HR/ }).getByText("Healthy")).toBeVisible({ timeout: 60_000 });
  await shot(page, "request-4-admin-1280");
  await requests.getByRole("link", { name: "See the connection" }).click();
  const receipt = page.getByRole("region", { name: "Data receipt" });
  await expect(receipt.getByText(`Given by Jo Colleague (${jo}), at the request of Ida Admin`)).toBeVisible();
  await expect(receipt.getByText("Job title")).toBeVisible();
  await expect(receipt.getByText("Employee ID")).toHaveCount(0);
  expect(sql(`SELECT count(*) FROM mail_outbox WHERE to_address = '${admin}' AND subject = 'Jo Colleague answered your request. Sage HR is connected: 60 people synced'`)).toBe("1");
  await gotoHydrated(page, "/activity");
  await expect(page.getByRole("row").filter({ hasText: "Opened a request to connect" })).toContainText("Jo Colleague");
  await expect(page.getByRole("row").filter({ hasText: "Connected an HR system" })).toContainText("At the request of Ida Admin");
  await expect(page.getByRole("row").filter({ hasText: "Asked a colleague to connect an HR system" })).toContainText(jo);
});

test("a colleague declines; a withdrawn, a resent and an expired link are refused", async ({ page, browser }) => {
  await page.setViewportSize({ width: 1280, height: 860 });
  const { admin } = await freshAdmin(page, "Contoso");
  const id = stamp();
  const [dee, rev, res, old] = ["dee", "rev", "res", "old"].map((n) => `${n}-${id}@contoso.example`);
  for (const [name, email] of [["Dee Decliner", dee], ["Rae Later", rev], ["Res Resent", res], ["Old Expired", old]]) {
    await ask(page, name, email);
  }
  const colleague = await colleaguePage(browser);

  // Declining, with one of the usual reasons.
  await gotoHydrated(colleague, await linkFromOutbox(page, dee, "/connect?token="));
  await colleague.getByRole("button", { name: "Decline" }).click();
  await colleague.getByLabel("We don't use this system.").check();
  await axe(colleague, "decline form");
  await colleague.getByRole("button", { name: "Decline" }).click();
  await expect(colleague.getByRole("heading", { name: "You declined this request" })).toBeVisible();
  await gotoHydrated(page, "/integrations");
  const requests = page.getByRole("region", { name: "Requests to colleagues" });
  await expect(requests.getByRole("listitem").filter({ hasText: dee })).toContainText("Declined: We don't use this system.");
  expect(sql(`SELECT count(*) FROM mail_outbox WHERE to_address = '${admin}' AND subject = 'Dee Decliner declined to connect Sage HR' AND body_text LIKE '%We don''t use this system.%'`)).toBe("1");

  // Withdrawn by the admin, then opened.
  const revoked = await linkFromOutbox(page, rev, "/connect?token=");
  await gotoHydrated(page, "/integrations");
  await requests.getByRole("button", { name: "Withdraw the request to Rae Later" }).click();
  await expect(requests.getByRole("listitem").filter({ hasText: rev })).toContainText("Revoked");
  await refused(colleague, revoked, /This request was withdrawn.*ask Ida Admin/);

  // Resent: the old link stops working, the new one opens, and the colleague connects by keyboard.
  const first = await linkFromOutbox(page, res, "/connect?token=");
  await gotoHydrated(page, "/integrations");
  await requests.getByRole("button", { name: `Resend the request to Res Resent (${res})` }).click();
  await expect.poll(() => sql(`SELECT count(*) FROM mail_outbox WHERE to_address = '${res}'`)).toBe("2");
  const second = await linkFromOutbox(page, res, "/connect?token=");
  expect(second).not.toBe(first);
  await refused(colleague, first, /A newer link was sent/);
  await gotoHydrated(colleague, second);
  // By keyboard alone: Tab to the proposed Job title, switch it off with Space, Tab on to
  // "Allow and continue" and press Enter.
  const tabTo = async (target: ReturnType<Page["getByRole"]>) => {
    for (let i = 0; i < 60 && !(await target.evaluate((el) => el === document.activeElement)); i++) {
      await colleague.keyboard.press("Tab");
    }
    await expect(target).toBeFocused();
  };
  const jobTitle = colleague.getByRole("checkbox", { name: /Job title/ });
  await tabTo(jobTitle);
  await colleague.keyboard.press("Space");
  await expect(jobTitle).not.toBeChecked();
  await tabTo(colleague.getByRole("button", { name: "Allow and continue" }));
  await colleague.keyboard.press("Enter");
  await expect(colleague.getByRole("textbox", { name: "Subdomain" })).toBeFocused();
  await colleague.keyboard.type("initech");
  await colleague.keyboard.press("Tab");
  await expect(colleague.getByLabel("API key")).toBeFocused();
  await colleague.keyboard.type("demo-api-key");
  await colleague.keyboard.press("Enter");
  await expect(colleague.getByRole("heading", { name: /Sage HR is connected|Connecting Sage HR/ })).toBeVisible({ timeout: 60_000 });
  expect(sql(`SELECT c.consent->'optional_on' FROM connections c JOIN connect_invitations i ON i.connection_id = c.id
              WHERE i.invitee_email = '${res}'`)).toBe("[]");

  // A week later the last link has expired, and reads exactly like a link that never existed.
  const expiring = await linkFromOutbox(page, old, "/connect?token=");
  const setClock = (days: number) =>
    page.request.post("/test/clock", { data: { days_ahead: days }, headers: { origin: new URL(page.url()).origin } });
  expect((await setClock(8)).status()).toBe(204);
  try {
    await refused(colleague, expiring, /This link is not valid any more/);
    const expiredText = await colleague.getByRole("alert").innerText();
    await refused(colleague, expiring.replace(/token=./, "token=Z"), /This link is not valid any more/);
    expect(await colleague.getByRole("alert").innerText()).toBe(expiredText);
    await gotoHydrated(page, "/integrations");
    await expect(requests.getByRole("listitem").filter({ hasText: old })).toContainText("Expired");
    await shot(page, "request-5-list-1280");
    await axe(page, "requests list");
  } finally {
    expect((await setClock(0)).status()).toBe(204);
  }
  await colleague.close();
});

test("a colleague connects a system that signs in on its own page, through Merge Link", async ({ page, browser }) => {
  await freshAdmin(page, "Fabrikam");
  const gus = `gus-${stamp()}@fabrikam.example`;
  await ask(page, "Gus Payroll", gus, "gusto");
  const colleague = await colleaguePage(browser);
  await gotoHydrated(colleague, await linkFromOutbox(page, gus, "/connect?token="));
  await colleague.getByRole("button", { name: "Allow and continue" }).click();
  await colleague.getByRole("button", { name: "Continue to Gusto" }).click();
  // The sandbox's emulated Merge Link page, then back to the request's own return page.
  await colleague.getByRole("button", { name: "Sign in with Gusto" }).click();
  await expect(colleague).toHaveURL(/\/connect\/linked\?pending=/);
  await colleague.locator("body[data-hydrated]").waitFor();
  await expect(colleague.getByRole("heading", { name: "Gusto is connected" })).toBeVisible({ timeout: 60_000 });
  expect(colleague.url()).not.toMatch(/[?&]token=/);
  await colleague.close();
  expect(sql(`SELECT count(*) FROM connections c JOIN connect_invitations i ON i.connection_id = c.id
              WHERE i.invitee_email = '${gus}' AND c.consented_by IS NULL`)).toBe("1");
  await gotoHydrated(page, "/integrations");
  await expect(page.getByRole("region", { name: "Requests to colleagues" }).getByRole("listitem")).toContainText("Connected");
});

test("a campaign manager cannot ask a colleague to connect", async ({ page }) => {
  await signIn(page, DEMO.manager);
  await gotoHydrated(page, "/integrations");
  await expect(page.getByRole("button", { name: "Ask a colleague to connect" })).toHaveCount(0);
  const status = await page.evaluate(async () => {
    const res = await fetch("/api/integrations/ask-colleague", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ slug: "sage-hr", optional_fields: [], draft: { name: "Jo", email: "jo@acme.example", message: "" } }),
    });
    return res.status;
  });
  expect(status).toBe(403);
});
