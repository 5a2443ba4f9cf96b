import { test, expect } from "./fixtures";

test("health check reports the database", async ({ request }) => {
  const response = await request.get("/healthz");
  expect(response.status()).toBe(200);
  expect(await response.json()).toEqual({ status: "ok", database: "ok" });
});

test("server functions refuse calls without a session or from another site", async ({ request, baseURL }) => {
  const noSession = await request.post("/api/auth/whoami", { headers: { origin: baseURL! } });
  expect(noSession.status()).toBe(401);

  const crossSite = await request.post("/api/auth/login", {
    headers: { origin: "https://evil.example" },
    form: { email: "admin@acme.example", password: "acme-admin-demo" },
  });
  expect(crossSite.status()).toBe(403);
});
