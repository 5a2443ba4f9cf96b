import { test, expect, gotoHydrated, shot, axe, createAccount, linkFromOutbox, DEMO, signIn } from "./fixtures";
import type { Page } from "@playwright/test";

const PASSWORD = "copper-lantern-sings-at-dusk";
const stamp = () => `${Date.now()}${Math.floor(Math.random() * 1000)}`;

async function join(page: Page, link: string, name: string, password = PASSWORD) {
  await gotoHydrated(page, link);
  await page.getByLabel("Your name").fill(name);
  await page.getByLabel("Choose a password").fill(password);
  await page.getByRole("button", { name: "Join and sign in" }).click();
  await page.waitForURL(/\/campaigns/);
  await page.locator("body[data-hydrated]").waitFor();
}

test("the operator's set-up link, inviting a campaign manager, and removing them signs them out", async ({ page, browser }) => {
  const id = stamp();
  const adminEmail = `ida-${id}@initech.example`;
  const camEmail = `cam-${id}@initech.example`;
  const link = createAccount(`Initech ${id}`, adminEmail, "Ida Initech");

  await gotoHydrated(page, link);
  await expect(page.getByRole("heading", { name: `Join Initech ${id}` })).toBeVisible();
  await expect(page.getByText("Your company's HR Connectors account is ready.")).toBeVisible();
  await expect(page.getByLabel("Your name")).toHaveValue("Ida Initech");
  await axe(page, "set-up link");
  await shot(page, "people-setup-1280");
  // The rules are checked as you type and before anything is sent.
  await page.getByLabel("Choose a password").fill("short");
  await page.getByLabel("Your name").focus();
  await expect(page.locator("#password-error")).toHaveText("Use at least 12 characters.");
  await page.getByLabel("Choose a password").fill("password1234");
  await page.getByRole("button", { name: "Join and sign in" }).click();
  await expect(page.locator("#password-error")).toContainText("easy to guess");
  await page.getByLabel("Choose a password").fill(PASSWORD);
  await page.getByRole("button", { name: "Join and sign in" }).click();
  await page.waitForURL(/\/campaigns/);
  await expect(page.locator("header.topbar").getByText("Ida Initech")).toBeVisible();

  // Invite a campaign manager.
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Team" }).click();
  await expect(page.getByRole("heading", { level: 1, name: "Team" })).toBeVisible();
  await page.locator("body[data-hydrated]").waitFor();
  await page.getByRole("button", { name: "Invite someone" }).click();
  const dialog = page.getByRole("dialog", { name: "Invite someone" });
  await dialog.getByLabel("Work email").fill("not-an-address");
  await dialog.getByRole("button", { name: "Send invitation" }).click();
  await expect(dialog.locator("#invite-email-error")).toHaveText("Enter an email address like name@company.com.");
  await dialog.getByLabel("Work email").fill(camEmail);
  await dialog.getByLabel("Campaign manager").check();
  await dialog.getByLabel("Message (optional)").fill("Welcome! You'll run the holiday gifts.");
  await dialog.getByRole("button", { name: "Send invitation" }).click();
  await expect(page.getByText(`Invitation sent to ${camEmail}. The link works for 7 days.`)).toBeVisible();
  const pending = page.getByRole("region", { name: /Pending invitations/ });
  await expect(pending.getByRole("row", { name: new RegExp(camEmail) })).toContainText("Campaign manager");
  await axe(page, "team page");
  await shot(page, "people-team-1280");

  // The campaign manager accepts in a browser of their own.
  const invitation = await linkFromOutbox(page, camEmail, "/invitation?token=");
  const camContext = await browser.newContext();
  const cam = await camContext.newPage();
  await gotoHydrated(cam, invitation);
  await expect(cam.getByText("Ida Initech wrote:")).toBeVisible();
  await expect(cam.getByText("Welcome! You'll run the holiday gifts.")).toBeVisible();
  await join(cam, invitation, "Cam Initech");
  await expect(cam.getByRole("heading", { level: 1, name: "Campaigns" })).toBeVisible();
  // Campaign managers see the team but change nothing, and admin pages refuse them.
  await gotoHydrated(cam, "/team");
  await expect(cam.getByText("Only admins can invite people or change the team.")).toBeVisible();
  await expect(cam.getByRole("button", { name: "Invite someone" })).toHaveCount(0);
  await expect(cam.getByRole("button", { name: /^Remove/ })).toHaveCount(0);
  await gotoHydrated(cam, "/activity");
  await expect(cam.getByRole("alert")).toHaveText("Only an admin of your account can do that. Ask an admin for help.");

  // The used link now says so.
  const used = await camContext.newPage();
  await gotoHydrated(used, invitation);
  await expect(used.getByRole("alert")).toContainText("This invitation has already been used.");
  await used.close();

  // The admin sees them joined, then removes them: they are signed out at once.
  await gotoHydrated(page, "/team");
  const people = page.getByRole("region", { name: /People/ });
  await expect(people.getByRole("row", { name: /Cam Initech/ })).toContainText("Campaign manager");
  await expect(page.getByRole("region", { name: /Pending invitations/ })).toContainText("No invitations are waiting");
  await people.getByRole("button", { name: "Remove Cam Initech" }).click();
  const confirm = page.getByRole("dialog", { name: "Remove Cam Initech?" });
  await expect(confirm).toContainText("signed out at once");
  await confirm.getByRole("button", { name: "Remove" }).click();
  await expect(people.getByRole("row", { name: /Cam Initech/ })).toHaveCount(0);
  await cam.goto("/campaigns");
  await expect(cam).toHaveURL(/\/login\?next=%2Fcampaigns&expired=1|\/login\?next=\/campaigns&expired=1/);
  await expect(cam.getByText("Your session has ended. Please sign in again.")).toBeVisible();
  await camContext.close();

  // The last admin can be neither demoted nor removed.
  const ida = people.getByRole("row", { name: /Ida Initech/ });
  await ida.getByLabel("Role of Ida Initech").selectOption("campaign_manager");
  await expect(page.getByRole("alert").filter({ hasText: "only admin" })).toContainText(
    "Ida Initech is the only admin of",
  );
  await expect(ida.getByLabel("Role of Ida Initech")).toHaveValue("admin");
});

test("a forgotten password is reset through the emailed link, ending the other sessions", async ({ page, browser }) => {
  const id = stamp();
  const email = `rae-${id}@umbrella.example`;
  await join(page, createAccount(`Umbrella ${id}`, email, "Rae Umbrella"), "Rae Umbrella");

  const other = await browser.newContext();
  const forgot = await other.newPage();
  await gotoHydrated(forgot, "/login");
  await forgot.getByRole("link", { name: "Forgot your password?" }).click();
  await expect(forgot).toHaveURL(/\/forgot-password$/);
  await forgot.locator("body[data-hydrated]").waitFor();
  await axe(forgot, "forgot password");
  // An unknown address gets the very same answer.
  await forgot.getByLabel("Work email").fill(`nobody-${id}@umbrella.example`);
  await forgot.getByRole("button", { name: "Send reset link" }).click();
  await expect(forgot.getByRole("status")).toContainText(`If nobody-${id}@umbrella.example has an HR Connectors login, we've sent it a link`);
  await gotoHydrated(forgot, "/forgot-password");
  await forgot.getByLabel("Work email").fill(email);
  await forgot.getByRole("button", { name: "Send reset link" }).click();
  await expect(forgot.getByRole("status")).toContainText(`If ${email} has an HR Connectors login, we've sent it a link`);
  await shot(forgot, "people-forgot-1280");

  const reset = await linkFromOutbox(page, email, "/reset-password?token=");
  await gotoHydrated(forgot, reset);
  await expect(forgot.getByRole("heading", { name: "Choose a new password" })).toBeVisible();
  await expect(forgot.getByText(`For ${email}. You'll be signed out everywhere else.`)).toBeVisible();
  await axe(forgot, "reset password");
  await forgot.getByLabel("New password").fill("another-quiet-harbour-at-noon");
  await forgot.getByRole("button", { name: "Save and sign in" }).click();
  await forgot.waitForURL(/\/campaigns/);

  // The first browser's session ended; the link cannot be used twice.
  await page.goto("/campaigns");
  await expect(page).toHaveURL(/expired=1/);
  await gotoHydrated(forgot, reset);
  await expect(forgot.getByRole("alert")).toContainText("already been used");
  await expect(forgot.getByRole("link", { name: "Send a new link" })).toBeVisible();
  const changed = await forgot.context().newPage();
  await gotoHydrated(changed, "/outbox");
  await expect(changed.locator(".outbox-message").filter({ hasText: "password was changed" })).toContainText(`To ${email}`);
  await other.close();
});

test("your account: change your password and sign out everywhere else", async ({ page, browser }) => {
  const id = stamp();
  const email = `kim-${id}@hooli.example`;
  await join(page, createAccount(`Hooli ${id}`, email, "Kim Hooli"), "Kim Hooli");
  const second = await browser.newContext();
  const elsewhere = await second.newPage();
  await signIn(elsewhere, { email, password: PASSWORD });

  await page.getByRole("link", { name: /Your account/ }).click();
  await expect(page.getByRole("heading", { level: 1, name: "Your account" })).toBeVisible();
  await page.locator("body[data-hydrated]").waitFor();
  const sessions = page.getByRole("region", { name: "Where you're signed in" });
  await expect(sessions.getByText("This browser")).toBeVisible();
  await expect(sessions.locator(".session")).toHaveCount(2);
  await axe(page, "your account");
  await shot(page, "people-account-1280");

  await page.getByLabel("Current password").fill("not-it-at-all");
  await page.getByLabel("New password").fill("velvet-compass-under-rain");
  await page.getByRole("button", { name: "Change password" }).click();
  await expect(page.locator("#current_password-error")).toHaveText("That isn't your current password. Check it and try again.");
  await page.getByLabel("Current password").fill(PASSWORD);
  await page.getByRole("button", { name: "Change password" }).click();
  await expect(page.getByText("Your password was changed. You were signed out everywhere else")).toBeVisible();
  await expect(sessions.locator(".session")).toHaveCount(1);
  await elsewhere.goto("/campaigns");
  await expect(elsewhere).toHaveURL(/expired=1/);

  // Sign in again elsewhere, then end it from here.
  await signIn(elsewhere, { email, password: "velvet-compass-under-rain" });
  await page.reload();
  await page.locator("body[data-hydrated]").waitFor();
  await page.getByRole("button", { name: "Sign out of the 1 other session" }).click();
  await expect(page.getByText("Signed out of 1 other session.")).toBeVisible();
  await elsewhere.goto("/campaigns");
  await expect(elsewhere).toHaveURL(/expired=1/);
  await second.close();
});

test("the people pages at 360 px and by keyboard", async ({ page }) => {
  await page.setViewportSize({ width: 360, height: 760 });
  const id = stamp();
  const link = createAccount(`Small ${id}`, `sol-${id}@small.example`, "Sol Small");
  await gotoHydrated(page, link);
  await shot(page, "people-setup-360");
  await axe(page, "set-up link at 360");
  // Keyboard only: name, password, submit.
  await page.getByLabel("Your name").focus();
  await page.keyboard.press("Tab");
  await expect(page.getByLabel("Choose a password")).toBeFocused();
  await page.keyboard.type(PASSWORD);
  await page.keyboard.press("Enter");
  await page.waitForURL(/\/campaigns/);
  await page.locator("body[data-hydrated]").waitFor();

  await gotoHydrated(page, "/team");
  // Every section of the navigation is on screen, none scrolled away sideways.
  const nav = page.getByRole("navigation", { name: "Main" });
  for (const name of ["Campaigns", "People", "Integrations", "Team", "Help"]) {
    await expect(nav.getByRole("link", { name, exact: true })).toBeInViewport({ ratio: 1 });
  }
  const invite = page.getByRole("button", { name: "Invite someone" });
  await invite.focus();
  await page.keyboard.press("Enter");
  const dialog = page.getByRole("dialog", { name: "Invite someone" });
  await expect(dialog.getByLabel("Work email")).toBeFocused();
  await page.keyboard.type(`lee-${id}@small.example`);
  await dialog.getByRole("button", { name: "Send invitation" }).focus();
  await page.keyboard.press("Enter");
  await expect(page.getByText(`Invitation sent to lee-${id}@small.example.`)).toBeVisible();
  await expect(invite).toBeFocused();
  await axe(page, "team at 360");
  await shot(page, "people-team-360");
  const width = await page.evaluate(() => document.documentElement.scrollWidth);
  expect(width, "no sideways scrolling at 360 px").toBeLessThanOrEqual(360);

  await gotoHydrated(page, "/account");
  await axe(page, "account at 360");
  await shot(page, "people-account-360");
  const accountWidth = await page.evaluate(() => document.documentElement.scrollWidth);
  expect(accountWidth).toBeLessThanOrEqual(360);
});

test("an invitation link that was never sent says so without revealing anything", async ({ page }) => {
  await gotoHydrated(page, "/invitation?token=made-up-token");
  await expect(page.getByRole("heading", { name: "This invitation can't be used" })).toBeVisible();
  await expect(page.getByRole("alert")).toContainText("This invitation link isn't valid.");
  await axe(page, "invalid invitation");
  await gotoHydrated(page, "/reset-password?token=made-up-token");
  await expect(page.getByRole("alert")).toContainText("This password reset link isn't valid.");
  // The demo admin still signs in: nothing above touched real people.
  await signIn(page, DEMO.admin);
});
