// Debian's Chromium, headless, for the browser tests: a missing browser fails the test instead of skipping it.
import { existsSync } from 'node:fs';
import { type Browser, chromium } from 'playwright-core';

export const chromiumPath = '/usr/bin/chromium';

interface TestLike {
  teardown(fn: () => unknown): void;
}

/** a headless Chromium closed when the test ends; the flags keep it off this machine's closed network */
export async function launchChromium(t: TestLike): Promise<Browser> {
  if (!existsSync(chromiumPath)) throw new Error(`Chromium is not installed at ${chromiumPath} (apt-get install chromium)`);
  const browser = await chromium.launch({
    executablePath: chromiumPath,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-quic', '--no-first-run', '--disable-component-update', '--disable-sync'],
  });
  t.teardown(() => browser.close());
  return browser;
}

declare global {
  interface Window {
    /** what the map viewer exposes to the browser tests (services/viewer/web/src/main.ts) */
    datenpoolViewer: { map: unknown; state: Record<string, string>; renders: number; error: string | null };
  }
}
