import { expect, test } from 'vitest';
import { e2eEnvironment, openAs as open } from './harness.ts';

const e2e = e2eEnvironment({ roomLeaveGraceMs: 3_000 }, [
  ['ada', 'Ada Lovelace'],
  ['grace', 'Grace Hopper'],
  ['linus', 'Linus'],
]);
const openAs = (userId: string, watch: string) => open(e2e, userId, watch);

test('two browser pages as two users: a status set in one appears in the other; closing the page takes the user offline', async () => {
  const ada = await openAs('ada', 'grace');
  const grace = await openAs('grace', 'ada');
  await grace.page.locator('[data-testid="watched"][data-status="online"]').waitFor();

  await ada.page.getByRole('radio', { name: /Busy/ }).check();
  await ada.page.getByLabel('Status message').fill('Writing the compiler');
  await ada.page.getByRole('button', { name: 'Save' }).click();
  await grace.page.locator('[data-testid="watched"][data-status="busy"]').waitFor();
  expect(await grace.page.getByTestId('watched').textContent()).toBe('Busy');

  // The page centres its root, as Vite's template does; the components' text stays where they put it.
  const alignments = await grace.page.evaluate(() =>
    ['.pk-online-list-name', '.pk-online-list-section', '.pk-status-choice-label'].map(
      (selector) => getComputedStyle(document.querySelector(selector)!).textAlign,
    ),
  );
  expect(alignments).toEqual(['start', 'start', 'start']);
  const sections = () => grace.page.locator('[data-testid="people"] .pk-online-list-section').allTextContents();
  await expect.poll(sections).toEqual(['Online 1', 'Busy 1', 'Offline 1']);

  await ada.context.close();
  await grace.page.locator('[data-testid="watched"][data-status="offline"]').waitFor({ timeout: 10_000 });
  // Ada moves to Offline in the list (she used to vanish from it), and the counts are the server's.
  await expect.poll(sections).toEqual(['Online 1', 'Offline 2']);
  const offlineOnServer = ['ada', 'grace', 'linus'].filter((id) => !e2e.presence.controls.presenceOf(id)?.online);
  expect(offlineOnServer).toEqual(['ada', 'linus']);
  expect(await grace.page.locator('[data-testid="people"] .pk-online-list-name').allTextContents()).toEqual(['Grace Hopper (you)', 'Ada Lovelace', 'Linus']);
  expect(e2e.presence.controls.presenceOf('ada')).toMatchObject({ online: false, statusMessage: 'Writing the compiler' });
  expect(ada.errors).toEqual([]);
  expect(grace.errors).toEqual([]);
  // No token ever appeared in a URL the pages loaded.
  expect(grace.page.url()).not.toContain('token');
});

test("devtools in the page: the live log shows the other user's change, a status change goes out and is acknowledged, no token anywhere", async () => {
  const ada = await openAs('ada', 'grace');
  const grace = await openAs('grace', 'ada');
  await ada.page.getByRole('button', { name: 'Presence devtools' }).click();
  const panel = ada.page.getByRole('region', { name: 'Presence devtools' });
  await expect.poll(() => panel.getByRole('table', { name: 'Retained users' }).textContent()).toContain('grace');
  await grace.page.getByRole('radio', { name: /Away/ }).check();
  await grace.page.getByRole('button', { name: 'Save' }).click();
  const events = panel.getByRole('table', { name: 'Events' });
  await events.getByRole('row').filter({ hasText: 'grace: away' }).first().waitFor();
  await ada.page.getByRole('radio', { name: /Busy/ }).check();
  await ada.page.getByRole('button', { name: 'Save' }).click();
  await events.getByRole('row').filter({ hasText: 'set-presence' }).first().waitFor();
  await events.getByRole('row').filter({ hasText: 'ack' }).first().waitFor();
  await panel.getByRole('searchbox').fill('grace');
  await expect.poll(async () => (await events.locator('tbody tr').allTextContents()).every((row) => row.includes('grace'))).toBe(true);
  const html = await ada.page.content();
  expect(html).not.toContain(ada.session.accessToken);
  expect(html).not.toContain(ada.session.refreshToken);
  expect(ada.errors).toEqual([]);
  await ada.context.close();
  await grace.context.close();
});

test('two pages in one room: each shows both people, typing in one shows in the other, closing a page is one leave after the grace', async () => {
  const ada = await openAs('ada', 'grace');
  const grace = await openAs('grace', 'ada');
  for (const { page } of [ada, grace]) await page.locator('[data-testid="room"][data-count="2"]').waitFor();
  await expect.poll(() => grace.page.getByTestId('room').getAttribute('aria-label')).toBe('Grace Hopper and Ada Lovelace here');
  const typing = grace.page.getByTestId('typing');
  expect(await typing.getAttribute('aria-live')).toBe('polite');
  await ada.page.getByLabel('Message', { exact: true }).pressSequentially('hel');
  await expect.poll(() => typing.textContent()).toBe('Ada Lovelace is typing…');
  await ada.page.getByLabel('Message', { exact: true }).press('Enter');
  await expect.poll(() => typing.textContent()).toBe('');

  // A reload is not a leave: the grace covers it.
  const counts: string[] = [];
  await grace.page.exposeFunction('__recordCount', (count: string) => counts.push(count));
  await grace.page.evaluate(() => {
    const stack = document.querySelector('[data-testid="room"]')!;
    new MutationObserver(() => (window as unknown as { __recordCount: (c: string) => void }).__recordCount(stack.getAttribute('data-count')!)).observe(stack, {
      attributes: true,
      attributeFilter: ['data-count'],
    });
  });
  await ada.page.reload();
  await ada.page.locator('[data-testid="room"][data-count="2"]').waitFor();
  expect(counts).toEqual([]);

  await ada.context.close();
  await grace.page.locator('[data-testid="room"][data-count="1"]').waitFor({ timeout: 10_000 });
  // The observer reports through an exposed function, whose call reaches the test after the DOM does.
  await expect.poll(() => counts.length).toBeGreaterThan(0);
  expect(counts).toEqual(['1']);
  expect(ada.errors).toEqual([]);
  expect(grace.errors).toEqual([]);
  await grace.context.close();
});
