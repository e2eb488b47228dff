// A minimal DOM for react-dom to render plain elements and text into, in Node. It keeps nodes as
// small JS objects, so a benchmark measures React and the state library rather than a DOM emulator
// (happy-dom and jsdom spend time that grows with document size on every mutation).
class TinyNode {
  childNodes: TinyNode[] = [];
  parentNode: TinyNode | null = null;
  ownerDocument: TinyDocument;
  constructor(
    readonly nodeType: number,
    readonly nodeName: string,
    owner?: TinyDocument,
  ) {
    this.ownerDocument = owner ?? (this as unknown as TinyDocument);
  }
  get firstChild(): TinyNode | null {
    return this.childNodes[0] ?? null;
  }
  get lastChild(): TinyNode | null {
    return this.childNodes.at(-1) ?? null;
  }
  get nextSibling(): TinyNode | null {
    const siblings = this.parentNode?.childNodes;
    return siblings ? (siblings[siblings.indexOf(this) + 1] ?? null) : null;
  }
  appendChild<T extends TinyNode>(child: T): T {
    child.parentNode?.removeChild(child);
    child.parentNode = this;
    this.childNodes.push(child);
    return child;
  }
  insertBefore<T extends TinyNode>(child: T, before: TinyNode | null): T {
    if (!before) return this.appendChild(child);
    child.parentNode?.removeChild(child);
    child.parentNode = this;
    this.childNodes.splice(this.childNodes.indexOf(before), 0, child);
    return child;
  }
  removeChild<T extends TinyNode>(child: T): T {
    const index = this.childNodes.indexOf(child);
    if (index !== -1) this.childNodes.splice(index, 1);
    child.parentNode = null;
    return child;
  }
  addEventListener() {}
  removeEventListener() {}
  get textContent(): string {
    return this.childNodes.map((child) => child.textContent).join('');
  }
  set textContent(value: string) {
    for (const child of this.childNodes) child.parentNode = null;
    this.childNodes = value ? [new TinyText(value, this.ownerDocument)] : [];
    if (this.childNodes[0]) this.childNodes[0].parentNode = this;
  }
}

class TinyText extends TinyNode {
  constructor(
    public nodeValue: string,
    owner: TinyDocument,
  ) {
    super(3, '#text', owner);
  }
  override get textContent() {
    return this.nodeValue;
  }
  override set textContent(value: string) {
    this.nodeValue = value;
  }
  get data() {
    return this.nodeValue;
  }
}

class TinyElement extends TinyNode {
  style: Record<string, string> = {};
  attributes = new Map<string, string>();
  namespaceURI = 'http://www.w3.org/1999/xhtml';
  constructor(
    readonly tagName: string,
    owner: TinyDocument,
  ) {
    super(1, tagName.toUpperCase(), owner);
  }
  setAttribute(name: string, value: string) {
    this.attributes.set(name, String(value));
  }
  removeAttribute(name: string) {
    this.attributes.delete(name);
  }
  getAttribute(name: string) {
    return this.attributes.get(name) ?? null;
  }
}

class TinyDocument extends TinyNode {
  body: TinyElement;
  documentElement: TinyElement;
  activeElement = null;
  defaultView: unknown = null;
  constructor() {
    super(9, '#document');
    this.documentElement = this.createElement('html');
    this.body = this.createElement('body');
    this.appendChild(this.documentElement).appendChild(this.body);
  }
  createElement(tag: string) {
    return new TinyElement(tag, this);
  }
  createElementNS(_ns: string, tag: string) {
    return new TinyElement(tag, this);
  }
  createTextNode(text: string) {
    return new TinyText(text, this);
  }
}

/**
 * Installs `window` and `document` globals that react-dom can render into.
 *
 * @example
 * ```ts
 * const { document } = installTinyDom();
 * createRoot(document.createElement('div')).render(<App />);
 * ```
 */
export function installTinyDom() {
  const document = new TinyDocument();
  class HTMLIFrameElement {}
  const window = { document, HTMLIFrameElement, addEventListener() {}, removeEventListener() {}, navigator: { userAgent: 'tiny-dom' }, event: undefined };
  document.defaultView = window;
  Object.assign(globalThis, { window, document, navigator: window.navigator });
  return { window, document: document as unknown as Document };
}
