// Usage: node check-report.mjs REPORT.html SCREENSHOT.png
// Prints one JSON line {errors, images, brokenImages, charts, emptyCharts, headings} and exits 0,
// or exits 1 with the reason; the JUnit test asserts on the JSON.
import { chromium } from 'playwright-core';

const [report, screenshot] = process.argv.slice(2);
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
    '--disable-component-update', '--disable-sync'],
});
try {
  const page = await browser.newPage({ viewport: { width: 1000, height: 900 } });
  const errors = [];
  page.on('pageerror', e => errors.push('pageerror: ' + e.message));
  page.on('console', m => { if (m.type() === 'error') errors.push('console: ' + m.text()); });
  page.on('requestfailed', r => errors.push('request failed: ' + r.url().slice(0, 80)));
  await page.goto('file://' + report, { waitUntil: 'load' });
  const result = await page.evaluate(() => {
    const imgs = [...document.images];
    const svgs = [...document.querySelectorAll('svg')];
    return {
      images: imgs.length,
      brokenImages: imgs.filter(i => !i.complete || i.naturalWidth === 0).map(i => i.alt),
      charts: svgs.length,
      emptyCharts: svgs.filter(s => { const b = s.getBBox(); return b.width === 0 || b.height === 0 || s.childElementCount < 3; })
        .map(s => s.getAttribute('aria-label')),
      headings: [...document.querySelectorAll('h2')].map(h => h.textContent),
    };
  });
  await page.screenshot({ path: screenshot, fullPage: true });
  console.log(JSON.stringify({ errors, ...result }));
} finally {
  await browser.close();
}
