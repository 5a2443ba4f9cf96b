import { defineConfig, devices } from "@playwright/test";

// The keystroke benchmark (issue 6), kept out of the test suite: end2end/playwright.config.ts
// only looks in ./tests. scripts/bench_staff.sh starts the app against 100,000 employees and
// passes its address in BASE_URL. Chromium comes from Debian; no browser is ever downloaded.
export default defineConfig({
  testDir: ".",
  testMatch: "keystroke.spec.ts",
  timeout: 600_000,
  expect: { timeout: 30_000 },
  fullyParallel: false,
  workers: 1,
  retries: 0,
  reporter: [["list"]],
  outputDir: "../test-results/bench",
  use: {
    baseURL: process.env.BASE_URL ?? "http://127.0.0.1:3300",
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
