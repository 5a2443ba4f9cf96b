import { test, expect, gotoHydrated, signIn, shot, DEMO } from "./fixtures";

test("a page without a session sends you to sign in, then back where you were going", async ({ page }) => {
  await page.goto("/integrations");
  await expect(page).toHaveURL(/\/login\?next=\/integrations$/);
  await page.locator("body[data-hydrated]").waitFor();
  await expect(page.getByRole("heading", { name: "Sign in" })).toBeVisible();
  await shot(page, "login-1280");

  await page.getByLabel("Work email").fill(DEMO.admin.email);
  await page.getByLabel("Password").fill(DEMO.admin.password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page).toHaveURL(/\/integrations$/);
  await expect(page.getByRole("heading", { level: 1, name: "Integrations" })).toBeVisible();
});

test("a wrong password gets one generic message and keeps the email", async ({ page }) => {
  await gotoHydrated(page, "/login");
  await page.getByLabel("Work email").fill(DEMO.manager.email);
  await page.getByLabel("Password").fill("not-the-password");
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByRole("alert")).toHaveText(
    "That email and password don't match an account. Check both and try again.",
  );
  await expect(page.getByLabel("Work email")).toHaveValue(DEMO.manager.email);
  await expect(page).toHaveURL(/\/login/);

  // An unknown email gets exactly the same message.
  await page.getByLabel("Work email").fill("nobody@acme.example");
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByRole("alert")).toHaveText(
    "That email and password don't match an account. Check both and try again.",
  );
});

test("a malformed email is pointed out as you leave the field", async ({ page }) => {
  await gotoHydrated(page, "/login");
  await page.getByLabel("Work email").fill("ada-at-acme");
  await page.getByLabel("Password").focus();
  await expect(page.locator("#email-error")).toHaveText("Enter an email address like name@company.com.");
  await expect(page.getByLabel("Work email")).toHaveAttribute("aria-invalid", "true");
});

test("signing in, moving through the shell, and signing out", async ({ page }) => {
  await signIn(page, DEMO.admin);
  await expect(page).toHaveURL(/\/campaigns$/);
  await page.locator("body[data-hydrated]").waitFor();

  const header = page.locator("header.topbar");
  await expect(header.getByText("Ada Admin")).toBeVisible();
  await expect(header.getByText("Acme Ltd")).toBeVisible();
  await expect(header.getByText("Admin", { exact: true })).toBeVisible();
  await shot(page, "campaigns-1280");

  const nav = page.getByRole("navigation", { name: "Main" });
  await nav.getByRole("link", { name: "Integrations" }).click();
  await expect(page).toHaveURL(/\/integrations$/);
  await expect(page.getByRole("heading", { level: 1, name: "Integrations" })).toBeVisible();
  await expect(nav.getByRole("link", { name: "Integrations" })).toHaveAttribute("aria-current", "page");

  await nav.getByRole("link", { name: "Help" }).click();
  await expect(page.getByRole("heading", { level: 1, name: "Help" })).toBeVisible();
  await nav.getByRole("link", { name: "Campaigns" }).click();
  await expect(page.getByRole("heading", { level: 1, name: "Campaigns" })).toBeVisible();

  await page.getByRole("button", { name: "Sign out" }).click();
  await expect(page).toHaveURL(/\/login/);
  await expect(page.getByText("You have signed out.")).toBeVisible();

  // The old session is gone on the server, not just in the browser.
  await page.goto("/campaigns");
  await expect(page).toHaveURL(/\/login\?next=\/campaigns$/);
});

test("the shell works by keyboard alone", async ({ page }) => {
  await signIn(page, DEMO.manager);
  // Start from a fresh page load, as someone arriving by keyboard would.
  await gotoHydrated(page, "/campaigns");
  await page.keyboard.press("Tab");
  await expect(page.getByRole("link", { name: "Skip to main content" })).toBeFocused();
  await page.keyboard.press("Tab");
  await page.keyboard.press("Tab");
  await expect(page.getByRole("link", { name: "Campaigns" })).toBeFocused();
  await page.keyboard.press("Tab");
  await expect(page.getByRole("link", { name: "People" })).toBeFocused();
  await page.keyboard.press("Tab");
  await page.keyboard.press("Enter");
  await expect(page).toHaveURL(/\/integrations$/);
});

test("the shell fits a 360 px screen", async ({ page }) => {
  await page.setViewportSize({ width: 360, height: 740 });
  await signIn(page, DEMO.manager);
  await page.locator("body[data-hydrated]").waitFor();
  await expect(page.getByRole("navigation", { name: "Main" })).toBeVisible();
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  expect(overflow).toBeLessThanOrEqual(0);
  await shot(page, "campaigns-360");
  await page.getByRole("link", { name: "Integrations", exact: true }).click();
  await expect(page).toHaveURL(/\/integrations$/);
  await shot(page, "integrations-360");
});

test("an unknown address shows a designed not-found page", async ({ page }) => {
  await signIn(page, DEMO.admin);
  const response = await page.goto("/no-such-page");
  expect(response?.status()).toBe(404);
  await expect(page.getByRole("heading", { name: "We can't find that page" })).toBeVisible();
});

test("an expired session is explained on the sign-in page", async ({ page, context }) => {
  await signIn(page, DEMO.admin);
  const url = new URL(page.url());
  // The server-side session is gone (expired, or revoked elsewhere) while the browser still
  // holds its cookie.
  await context.clearCookies();
  await page.evaluate(() => (document.cookie = "hrc_session=expired-or-forged; path=/"));
  await page.goto("/integrations");
  await expect(page).toHaveURL(/\/login\?next=\/integrations&expired=1$/);
  await expect(page.getByText("Your session has ended. Please sign in again.")).toBeVisible();
});
