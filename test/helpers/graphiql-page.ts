import type { Page } from 'playwright-core';

/** Monaco renders spaces as U+00A0; compare as plain text. */
export const plain = (text: string): string => text.replace(/\u00a0/g, ' ');

export const HEADERS_EDITOR = '.graphiql-editor-tool .graphiql-editor:not(.hidden)';
export const QUERY_EDITOR = '.graphiql-query-editor';
export const RESPONSE = '.graphiql-response .view-lines';

/** Replaces an editor's whole text, as a person pasting it would. */
export async function replaceEditorText(page: Page, editor: string, text: string): Promise<void> {
  await page.locator(`${editor} .view-lines`).click();
  await page.keyboard.press('Control+A');
  await page.keyboard.press('Delete');
  // insertText, not type(): Monaco would auto-close the brackets and quotes typed.
  await page.keyboard.insertText(text);
}

/** Clicks run and waits for a response containing `expected`; returns the response pane's text. */
export async function run(page: Page, expected: string): Promise<string> {
  await page.locator('.graphiql-execute-button').click();
  const response = page.locator(RESPONSE, { hasText: expected });
  await response.waitFor({ timeout: 15_000 });
  return plain(await response.innerText());
}
