import { defineConfig, devices } from "@playwright/test";

// The app is started by scripts/test.sh (built with cargo-leptos, fresh database) and its
// address passed in BASE_URL. Chromium comes from Debian (`apt-get install chromium`): this
// project never downloads a browser.
const baseURL = process.env.BASE_URL ?? "http://127.0.0.1:3000";
// The single sign-on tests' identity provider (npm `oidc-provider`), started here so that
// `npx playwright test` alone is enough wherever the app is running.
const oidcPort = process.env.OIDC_PORT ?? "3090";

export default defineConfig({
  webServer: [
    {
      command: "node oidc/provider.mjs",
      url: `http://127.0.0.1:${oidcPort}/.well-known/openid-configuration`,
      env: { OIDC_PORT: oidcPort, BASE_URL: baseURL },
      reuseExistingServer: false,
      stdout: "ignore",
      stderr: "pipe",
      timeout: 30_000,
    },
  ],
  testDir: "./tests",
  timeout: 60_000,
  expect: { timeout: 10_000 },
  fullyParallel: false,
  workers: 1,
  retries: 0,
  reporter: [["list"], ["html", { open: "never" }]],
  outputDir: "test-results",
  use: {
    baseURL,
    trace: "retain-on-failure",
    screenshot: "only-on-failure",
  },
  projects: [
    {
      name: "chromium",
      use: {
        ...devices["Desktop Chrome"],
        viewport: { width: 1280, height: 800 },
        launchOptions: {
          executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
          args: ["--disable-background-networking", "--disable-component-update", "--no-first-run"],
        },
      },
    },
  ],
});
