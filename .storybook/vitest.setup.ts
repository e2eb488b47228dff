// Visual regression: after each story's test (its play function and axe), its frame is compared with the
// committed screenshots, light and then dark (the theme is CSS variables on the frame, so switching the
// attribute re-themes it in place). A style change is then a reviewed diff of PNGs in
// stories/__screenshots__ (`npm run test:browser -- --update` writes new ones).
import { afterEach, expect } from 'vitest';
import { page } from 'vitest/browser';

// Screenshots of moving things never settle: spinners, skeletons and caret blinks stand still here.
const still = document.createElement('style');
// Clock times differ on every run (the devtools log's, a card's local time and "until"): hidden, not compared.
still.textContent =
  '*, *::before, *::after { animation: none !important; transition: none !important; caret-color: transparent !important; } .pkdt time, .pk-card-time, .pk-card-until { visibility: hidden !important; }';
document.head.append(still);

afterEach(async ({ task }) => {
  const frame = document.querySelector<HTMLElement>('.catalog-frame');
  if (!frame) return;
  // The story's own content decides the size, not the canvas: compare what the story renders.
  frame.style.minHeight = '0';
  const story = task.name.replace(/[^\w-]+/g, '-').toLowerCase();
  for (const theme of ['light', 'dark']) {
    frame.dataset.theme = theme;
    await expect.element(page.elementLocator(frame)).toMatchScreenshot(`${story}-${theme}`, {
      comparatorName: 'pixelmatch',
      comparatorOptions: { allowedMismatchedPixelRatio: 0.002 },
    });
  }
});
