// The slice of the browser the sign-in code touches. The project's tsconfig has no DOM lib (it
// would let server code use browser globals unnoticed), so pages' code names what it uses.

export interface StorageArea {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
  removeItem(key: string): void;
}

export interface BrowserLocation {
  readonly href: string;
  readonly origin: string;
  readonly pathname: string;
  assign(url: string): void;
}

export interface BrowserEvent {
  preventDefault(): void;
}

export interface BrowserElement {
  textContent: string | null;
  hidden: boolean;
  disabled?: boolean;
  value?: string;
  className: string;
  readonly style: Record<string, string>;
  readonly dataset: Record<string, string | undefined>;
  setAttribute(name: string, value: string): void;
  append(...nodes: (BrowserElement | string)[]): void;
  replaceChildren(...nodes: (BrowserElement | string)[]): void;
  addEventListener(type: string, listener: (event: BrowserEvent) => void): void;
  querySelector(selector: string): BrowserElement | null;
}

export interface BrowserDocument {
  createElement(tag: string): BrowserElement;
  getElementById(id: string): BrowserElement | null;
}

export interface BrowserGlobals {
  readonly location: BrowserLocation;
  readonly history: { replaceState(data: unknown, unused: string, url: string): void };
  readonly sessionStorage: StorageArea;
  readonly document: BrowserDocument;
  readonly crypto: { getRandomValues<T extends Uint8Array>(array: T): T; readonly subtle?: { digest(algorithm: string, data: Uint8Array): Promise<ArrayBuffer> } };
}

export const browser = globalThis as unknown as BrowserGlobals;
