import { execFileSync } from "node:child_process";
import AxeBuilder from "@axe-core/playwright";
import { test as base, expect, type Page } from "@playwright/test";

export const DEMO = {
  admin: { email: "admin@acme.example", password: "acme-admin-demo", name: "Ada Admin" },
  manager: { email: "campaigns@acme.example", password: "acme-campaigns-demo", name: "Cam Manager" },
  globex: { email: "admin@globex.example", password: "globex-admin-demo", name: "Gus Globex" },
} as const;

/// Every test fails if the page logged an error or threw: hydration mismatches and panics in the
/// wasm bundle show up there and nowhere else.
export const test = base.extend<{ consoleErrors: string[] }>({
  consoleErrors: [
    async ({ page }, use) => {
      const errors: string[] = [];
      page.on("console", (msg) => {
        if (msg.type() === "error" || msg.type() === "warning") {
          const text = msg.text();
          // A 401/403/404/422 answered to a request the test provoked on purpose is logged by
          // Chromium as a failed resource load; it is expected, not a page error.
          if (/Failed to load resource: the server responded with a status of 4\d\d/.test(text)) return;
          errors.push(`${msg.type()}: ${text}`);
        }
      });
      page.on("pageerror", (err) => errors.push(`pageerror: ${err.message}`));
      await use(errors);
      expect(errors, "console errors or warnings on the page").toEqual([]);
    },
    { auto: true },
  ],
});

export { expect };

/// Navigates and waits until the wasm bundle has hydrated the page, so clicks do something.
export async function gotoHydrated(page: Page, path: string) {
  await page.goto(path);
  await page.locator("body[data-hydrated]").waitFor({ timeout: 30_000 });
}

export async function signIn(page: Page, who: { email: string; password: string }, next?: string) {
  await gotoHydrated(page, next ? `/login?next=${encodeURIComponent(next)}` : "/login");
  await page.getByLabel("Work email").fill(who.email);
  await page.getByLabel("Password").fill(who.password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.waitForURL((url) => !url.pathname.startsWith("/login"));
}

/// Screenshots land in end2end/screenshots/ for people to look at; they are not compared.
export async function shot(page: Page, name: string) {
  await page.screenshot({ path: `screenshots/${name}.png`, fullPage: true });
}

/// No serious or critical accessibility violations on the page as it is now.
export async function axe(page: Page, step: string) {
  const results = await new AxeBuilder({ page }).analyze();
  const bad = results.violations.filter((v) => v.impact === "serious" || v.impact === "critical");
  expect(bad.map((v) => `${step}: ${v.id} (${v.impact}) ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`)).toEqual([]);
}

/// Arranges what a browser cannot cause on its own (an HR system that stopped accepting access,
/// people vanishing from it) directly in the app's database, as the Rust tests do.
export function sql(query: string): string {
  const url = process.env.E2E_DATABASE_URL;
  if (!url) throw new Error("E2E_DATABASE_URL is not set (scripts/test.sh sets it)");
  return execFileSync("psql", [url, "-qAtX", "-v", "ON_ERROR_STOP=1", "-c", query], { encoding: "utf8" }).trim();
}

/// Runs the operator's `hr-connectors create-account` against the browser tests' database and
/// returns the set-up link it prints.
export function createAccount(name: string, adminEmail: string, adminName: string): string {
  const bin = process.env.HRC_BIN ?? "../target/debug/hr-connectors";
  const out = execFileSync(bin, ["create-account", "--name", name, "--admin-email", adminEmail, "--admin-name", adminName], {
    encoding: "utf8",
    env: {
      ...process.env,
      APP_ENV: "development",
      SEED_DEMO_DATA: "false",
      DATABASE_URL: process.env.E2E_DATABASE_URL ?? "",
      DEV_SECRETS_FILE: process.env.E2E_SECRETS_FILE ?? "",
      PUBLIC_URL: process.env.BASE_URL ?? "",
      RUST_LOG: "warn",
    },
  });
  const link = out.split("\n").find((l) => l.includes("/invitation?token="));
  if (!link) throw new Error(`create-account printed no link: ${out}`);
  return link.trim();
}

/// The newest link to `path` in a message to `to`, as the signed-in page's outbox shows it.
export async function linkFromOutbox(page: Page, to: string, path: string): Promise<string> {
  await gotoHydrated(page, "/outbox");
  const message = page.locator(".outbox-message").filter({ hasText: `To ${to}` }).filter({ hasText: path }).first();
  const href = await message.getByRole("link", { name: new RegExp(path.replace("?", "\\?")) }).getAttribute("href");
  if (!href) throw new Error(`no ${path} link to ${to} in the outbox`);
  return href;
}

/// The number in the results' "N people match", once the exact figure is shown: past 1,000 the
/// page first says "More than 1,000 people match" and then asks for the exact count.
/// The line is read and parsed in one retried step: checking it and then reading it raced a
/// new filter's results, which first say "More than 1,000" again.
export async function matchCount(page: Page): Promise<number> {
  const status = page.getByRole("status").filter({ hasText: /match/ });
  let count = NaN;
  await expect(async () => {
    const text = await status.innerText();
    const exact = text.match(/^([\d,]+) (?:people match|person matches)/);
    expect(exact, text).not.toBeNull();
    count = Number(exact![1].replaceAll(",", ""));
  }).toPass({ timeout: 15_000 });
  return count;
}
