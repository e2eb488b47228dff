// The README's Node client type-checks as written: ws's class and the DOM's are both WebSocketLike.
import { WebSocket as NodeWebSocket } from 'ws';
import { expectTypeOf, test } from 'vitest';
import { createPresenceClient, type WebSocketLike } from '../../src/core/index.ts';

test("ws's WebSocket class and the DOM's fit the WebSocket option without a cast", () => {
  expectTypeOf(NodeWebSocket).toExtend<WebSocketLike>();
  expectTypeOf(globalThis.WebSocket).toExtend<WebSocketLike>();
  createPresenceClient({ url: 'http://127.0.0.1:1', token: 't', WebSocket: NodeWebSocket });
  // Something that is not a socket class still does not fit.
  expectTypeOf(Date).not.toExtend<WebSocketLike>();
});
