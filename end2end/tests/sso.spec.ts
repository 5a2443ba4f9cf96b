import type { Page } from "@playwright/test";
import { test, expect, gotoHydrated, signIn, shot, axe, sql, DEMO } from "./fixtures";

// Single sign-on against a real OpenID Connect provider: `oidc-provider`, started by
// playwright.config.ts (end2end/oidc/provider.mjs). Its test people named wrong-audience.…,
// expired.… and bad-signature.… receive ID tokens the app's verifier must refuse.
const ISSUER = `http://127.0.0.1:${process.env.OIDC_PORT ?? "3090"}`;
const DOMAIN = "sso-acme.example";

test.describe.configure({ mode: "serial" });

// Whatever happens, later test files sign in with passwords again.
test.afterAll(() => {
  sql("UPDATE sso_providers SET required = false, break_glass_user = NULL");
});

async function saveSettings(page: Page) {
  await page.getByRole("button", { name: "Save single sign-on" }).click();
  await expect(page.getByRole("status").filter({ hasText: "Saved." })).toBeVisible();
}

/// Types the address on the sign-in page, follows "Continue with Okta" and signs in at the
/// test provider as `providerLogin`.
async function ssoSignIn(page: Page, typed: string, providerLogin: string) {
  await gotoHydrated(page, "/login");
  await page.getByLabel("Work email").fill(typed);
  await page.getByLabel("Work email").blur();
  await page.getByRole("link", { name: "Continue with Okta" }).click();
  await expect(page.getByRole("heading", { name: "Test identity provider" })).toBeVisible();
  await page.getByLabel("Email").fill(providerLogin);
  await page.getByRole("button", { name: "Sign in to the test provider" }).click();
}

async function expectRefusal(page: Page, reason: string, sentence: string | RegExp) {
  await expect(page).toHaveURL(new RegExp(`/sso/error\\?reason=${reason}$`));
  await expect(page.locator(".sso-refusal")).toContainText(sentence);
  await expect(page.getByRole("link", { name: "Back to sign in" })).toBeVisible();
  await page.locator("body[data-hydrated]").waitFor();
  await axe(page, `refusal ${reason}`);
}

test("an admin sets up single sign-on, and an invited person signs in through it", async ({ page }) => {
  await signIn(page, DEMO.admin);
  await gotoHydrated(page, "/team/sso");
  await expect(page.getByRole("heading", { level: 1, name: "Single sign-on" })).toBeVisible();
  await expect(page.locator(".sso-redirect-uri")).toHaveText(/\/sso\/callback$/);
  await axe(page, "empty settings");

  // Discovery runs on save: a wrong issuer is a sentence next to the field.
  await page.getByLabel("Provider name").fill("Okta");
  await page.getByLabel("Issuer URL").fill("http://127.0.0.1:9");
  await page.getByLabel("Client ID").fill("hrc-e2e");
  await page.getByLabel("Client secret").fill("e2e-client-secret");
  await page.getByLabel("Email domains").fill(DOMAIN);
  await page.getByRole("button", { name: "Save single sign-on" }).click();
  await expect(page.locator("#sso-issuer-error")).toContainText(
    "We couldn't reach http://127.0.0.1:9/.well-known/openid-configuration",
  );

  await page.getByLabel("Issuer URL").fill(ISSUER);
  await saveSettings(page);
  await expect(page.locator("#sso-secret-hint")).toContainText("A secret is saved");
  await expect(page.getByLabel("Client secret")).toHaveValue("");
  await shot(page, "sso-settings-1280");

  // Sam was invited (the Team page's job); SSO accepts the invitation.
  sql(`DELETE FROM users WHERE email LIKE '%@${DOMAIN}'`);
  sql(`DELETE FROM invitations WHERE email = 'sam@${DOMAIN}'`);
  sql(`INSERT INTO invitations (id, account_id, email, name, role, token_hash, inviter_name, expires_at)
       SELECT gen_random_uuid(), account_id, 'sam@${DOMAIN}', 'Sam Single', 'campaign_manager',
              sha256('e2e-sso-invite'), 'Ada Admin', now() + interval '1 day'
       FROM users WHERE email = '${DEMO.admin.email}'`);

  await page.getByRole("button", { name: "Sign out" }).click();
  await expect(page).toHaveURL(/\/login\?signed_out=1/);

  await gotoHydrated(page, "/login?next=%2Fpeople");
  await page.getByLabel("Work email").fill(`sam@${DOMAIN}`);
  await page.getByLabel("Work email").blur();
  const offer = page.getByRole("link", { name: "Continue with Okta" });
  await expect(offer).toBeVisible();
  await expect(page.getByRole("button", { name: "Sign in with password" })).toBeVisible();
  await axe(page, "sign-in with SSO offered");
  await shot(page, "login-sso-1280");
  await offer.click();
  await page.getByLabel("Email").fill(`sam@${DOMAIN}`);
  await page.getByRole("button", { name: "Sign in to the test provider" }).click();

  await expect(page).toHaveURL(/\/people$/);
  await expect(page.locator("header.topbar").getByText("Sam Single")).toBeVisible();
  expect(sql(`SELECT accepted_at IS NOT NULL FROM invitations WHERE email = 'sam@${DOMAIN}'`)).toBe("t");
  expect(sql(`SELECT password_hash IS NULL FROM users WHERE email = 'sam@${DOMAIN}'`)).toBe("t");
});

test("refusals: wrong audience, expired token, bad signature, tampered state, disallowed domain, not invited", async ({ page, context }) => {
  const cases: [string, string, string, RegExp][] = [
    [`wrong-audience.sam@${DOMAIN}`, "audience", "Wrong audience", /meant for a different application/],
    [`expired.sam@${DOMAIN}`, "token_expired", "Expired token", /had already expired when it reached us/],
    [`bad-signature.sam@${DOMAIN}`, "signature", "Bad signature", /failed its signature check/],
    ["eve@elsewhere.example", "domain", "Disallowed domain", /doesn't cover/],
    [`newcomer@${DOMAIN}`, "not_invited", "Not invited", /haven't been invited/],
  ];
  for (const [login, reason, , sentence] of cases) {
    await context.clearCookies();
    await ssoSignIn(page, `sam@${DOMAIN}`, login);
    await expectRefusal(page, reason, sentence);
    if (reason === "audience") await shot(page, "sso-refusal-1280");
  }
  // Nobody was let in or created by any of them.
  expect(sql(`SELECT count(*) FROM users WHERE email <> 'sam@${DOMAIN}' AND email LIKE '%${DOMAIN}'`)).toBe("0");

  // A state changed on its way back from the provider: the test follows the provider's
  // redirects itself (sharing the browser's cookies) to get hold of the answer, then edits it.
  await context.clearCookies();
  await gotoHydrated(page, "/login");
  await page.getByLabel("Work email").fill(`sam@${DOMAIN}`);
  await page.getByLabel("Work email").blur();
  await page.getByRole("link", { name: "Continue with Okta" }).click();
  await expect(page.getByRole("heading", { name: "Test identity provider" })).toBeVisible();
  const action = new URL((await page.locator("form").getAttribute("action"))!, page.url()).toString();
  let answer = await page.request.post(action, { form: { login: `sam@${DOMAIN}`, password: "x" }, maxRedirects: 0 });
  let callback = answer.headers()["location"];
  for (let hops = 0; hops < 5 && !callback.includes("/sso/callback"); hops++) {
    answer = await page.request.get(new URL(callback, ISSUER).toString(), { maxRedirects: 0 });
    callback = answer.headers()["location"];
  }
  expect(callback).toContain("/sso/callback?");
  const tampered = new URL(callback);
  tampered.searchParams.set("state", `${tampered.searchParams.get("state")}x`);
  await page.goto(tampered.toString());
  await expectRefusal(page, "state", /was changed on the way back/);
  // The untouched answer still works once: the tampered one did not use it up...
  await page.goto(callback);
  await expect(page).toHaveURL(/\/campaigns$/);
  // ...and only once.
  await page.goto(callback);
  await expectRefusal(page, "state", /already used/);

  // The refusal page at phone width.
  await page.setViewportSize({ width: 360, height: 740 });
  await page.goto("/sso/error?reason=not_invited");
  await page.locator("body[data-hydrated]").waitFor();
  await shot(page, "sso-refusal-360");
});

test("required single sign-on refuses passwords except for the break-glass admin", async ({ page, context }) => {
  await signIn(page, DEMO.admin);
  await gotoHydrated(page, "/team/sso");
  await page.getByLabel("Require single sign-on").check();
  await page.getByRole("button", { name: "Save single sign-on" }).click();
  await expect(page.locator("#sso-break-glass-error")).toContainText("Choose the admin");
  await page.getByLabel("Break-glass admin").selectOption({ label: `${DEMO.admin.name} (${DEMO.admin.email})` });
  await saveSettings(page);
  await axe(page, "required settings");

  // A person at the domain is told to use the provider; the password is de-emphasised.
  await context.clearCookies();
  await gotoHydrated(page, "/login");
  await page.getByLabel("Work email").fill(`sam@${DOMAIN}`);
  await page.getByLabel("Work email").blur();
  await expect(page.getByText("Your company signs in with Okta. The password below is only for your account's emergency admin.")).toBeVisible();
  await expect(page.getByRole("link", { name: "Continue with Okta" })).toHaveClass(/button--primary/);
  await expect(page.getByRole("button", { name: "Sign in with password" })).toHaveClass(/button--secondary/);
  await axe(page, "sign-in with SSO required");
  await shot(page, "login-sso-required-1280");

  // A member outside the domains, with the right password, is refused with a sentence.
  await page.getByLabel("Work email").fill(DEMO.manager.email);
  await page.getByLabel("Password").fill(DEMO.manager.password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByRole("alert")).toHaveText('Your company signs in with Okta. Choose "Continue with Okta" to sign in.');
  await expect(page).toHaveURL(/\/login/);

  // The break-glass admin still signs in with a password.
  await signIn(page, DEMO.admin);
  await expect(page).toHaveURL(/\/campaigns$/);

  // Turning the requirement off lets everyone back in with a password.
  await gotoHydrated(page, "/team/sso");
  await page.getByLabel("Require single sign-on").uncheck();
  await saveSettings(page);
  await context.clearCookies();
  await signIn(page, DEMO.manager);
  await expect(page).toHaveURL(/\/campaigns$/);
});

test("the settings page by keyboard alone, at phone width; campaign managers are refused", async ({ page, context }) => {
  await page.setViewportSize({ width: 360, height: 740 });
  await signIn(page, DEMO.admin);
  await gotoHydrated(page, "/team/sso");
  await axe(page, "settings at 360");
  await shot(page, "sso-settings-360");

  // Tab to the provider name, change it, and save with Enter.
  let focused = "";
  for (let i = 0; i < 30 && focused !== "sso-name"; i++) {
    await page.keyboard.press("Tab");
    focused = await page.evaluate(() => document.activeElement?.id ?? "");
  }
  expect(focused).toBe("sso-name");
  await page.keyboard.press("ControlOrMeta+a");
  await page.keyboard.type("Okta");
  for (const id of ["sso-issuer", "sso-client-id", "sso-secret", "sso-domains", "sso-auto-join", "sso-required"]) {
    await page.keyboard.press("Tab");
    expect(await page.evaluate(() => document.activeElement?.id)).toBe(id);
  }
  await page.keyboard.press("Shift+Tab");
  await page.keyboard.press("Space");
  await expect(page.getByLabel("New people from these domains join as campaign managers")).toBeChecked();
  await page.keyboard.press("Space");
  await page.keyboard.press("Shift+Tab");
  await page.keyboard.press("Enter");
  await expect(page.getByRole("status").filter({ hasText: "Saved." })).toBeVisible();

  await context.clearCookies();
  await signIn(page, DEMO.manager);
  await gotoHydrated(page, "/team/sso");
  await expect(page.getByRole("alert")).toHaveText("Only an admin of your account can do that. Ask an admin for help.");
});
