// A small graphql-transport-ws client shared by the storefront badge and the ops dashboard.
// One WebSocket carries many operations; it connects on the first subscribe, sends the key in
// connection_init, answers pings, pings a quiet server to notice a dead link, and after a
// dropped connection reconnects with exponential backoff and jitter, then subscribes again
// (every subscription starts with a snapshot, so nothing is missed in between).
// Protocol: https://github.com/enisdenjo/graphql-ws/blob/master/PROTOCOL.md

const PROTOCOL = "graphql-transport-ws";
const CLOSE_FORBIDDEN = 4403; // the key was refused: trying again cannot help

export const State = Object.freeze({
  IDLE: "idle",
  CONNECTING: "connecting",
  LIVE: "live",
  RETRYING: "retrying",
  REFUSED: "refused",
  CLOSED: "closed",
});

export class LiveConnection {
  #url;
  #key;
  #options;
  #socket = null;
  #operations = new Map(); // id -> {payload, sink}
  #nextId = 1;
  #attempt = 0;
  #acknowledged = false;
  #timers = { retry: 0, ack: 0, keepalive: 0, pong: 0 };
  #listeners = new Set();
  state = State.IDLE;

  /**
   * @param {string} url ws:// or wss:// URL of the GraphQL endpoint
   * @param {string} key API key sent as `Bearer <key>` in connection_init
   * @param {object} [options] backoff and timing in milliseconds
   */
  constructor(url, key, options = {}) {
    this.#url = url;
    this.#key = key;
    this.#options = {
      firstRetry: 500,
      maxRetry: 15000,
      ackTimeout: 10000,
      keepalive: 20000,
      pongTimeout: 10000,
      ...options,
    };
    globalThis.addEventListener?.("online", () => this.#retryNow());
  }

  /** Calls `listener(state)` now and on every change of the connection state. */
  onState(listener) {
    this.#listeners.add(listener);
    listener(this.state);
    return () => this.#listeners.delete(listener);
  }

  /**
   * Starts an operation; `sink.next(result)` gets each result, `sink.error(errors)` a refusal,
   * `sink.complete()` the end. Returns a function that stops it.
   */
  subscribe(payload, sink) {
    if (this.state === State.REFUSED) {
      sink.error?.([{ message: "the API key was refused" }]);
      return () => {};
    }
    const id = String(this.#nextId++);
    this.#operations.set(id, { payload, sink });
    if (this.#acknowledged) this.#send({ id, type: "subscribe", payload });
    else if (!this.#socket && this.state !== State.RETRYING && this.state !== State.REFUSED) {
      this.#connect();
    }
    return () => {
      if (this.#operations.delete(id) && this.#acknowledged) this.#send({ id, type: "complete" });
    };
  }

  /** Closes the socket for good. */
  close() {
    this.#operations.clear();
    this.#clearTimers();
    this.#setState(State.CLOSED);
    this.#socket?.close(1000, "client closed");
    this.#socket = null;
  }

  #connect() {
    this.#setState(State.CONNECTING);
    this.#acknowledged = false;
    let socket;
    try {
      socket = new WebSocket(this.#url, PROTOCOL);
    } catch (error) {
      console.error("stockpool: cannot open", this.#url, error);
      this.#scheduleRetry();
      return;
    }
    this.#socket = socket;
    socket.onopen = () => {
      this.#send({ type: "connection_init", payload: { authorization: `Bearer ${this.#key}` } });
      this.#timers.ack = setTimeout(() => socket.close(4408, "no connection_ack"), this.#options.ackTimeout);
    };
    socket.onmessage = (event) => this.#receive(event.data);
    socket.onclose = (event) => {
      if (this.#socket !== socket) return; // a socket we already let go of
      this.#socket = null;
      this.#acknowledged = false;
      this.#clearTimers();
      if (this.state === State.CLOSED) return;
      if (event.code === CLOSE_FORBIDDEN) {
        this.#setState(State.REFUSED);
        for (const { sink } of this.#operations.values()) {
          sink.error?.([{ message: event.reason || "the API key was refused" }]);
        }
        return;
      }
      this.#scheduleRetry();
    };
  }

  #receive(data) {
    let message;
    try {
      message = JSON.parse(data);
    } catch {
      return;
    }
    this.#armKeepalive();
    const operation = message.id === undefined ? null : this.#operations.get(message.id);
    switch (message.type) {
      case "connection_ack":
        clearTimeout(this.#timers.ack);
        this.#acknowledged = true;
        this.#attempt = 0;
        this.#setState(State.LIVE);
        for (const [id, { payload }] of this.#operations) {
          this.#send({ id, type: "subscribe", payload });
        }
        break;
      case "ping":
        this.#send({ type: "pong" });
        break;
      case "pong":
        clearTimeout(this.#timers.pong);
        break;
      case "next":
        operation?.sink.next(message.payload);
        break;
      case "error":
        this.#operations.delete(message.id);
        operation?.sink.error?.(message.payload);
        break;
      case "complete":
        this.#operations.delete(message.id);
        operation?.sink.complete?.();
        break;
    }
  }

  #send(message) {
    if (this.#socket?.readyState === WebSocket.OPEN) this.#socket.send(JSON.stringify(message));
  }

  // A quiet connection is pinged; no pong in time means the link is dead, so start over.
  #armKeepalive() {
    clearTimeout(this.#timers.keepalive);
    clearTimeout(this.#timers.pong);
    const socket = this.#socket;
    this.#timers.keepalive = setTimeout(() => {
      this.#send({ type: "ping" });
      this.#timers.pong = setTimeout(() => socket?.close(4000, "no pong"), this.#options.pongTimeout);
    }, this.#options.keepalive);
  }

  // Exponential backoff with jitter, so that many pages do not all come back at one instant.
  #scheduleRetry() {
    if (this.#operations.size === 0) {
      this.#setState(State.IDLE);
      return;
    }
    const ceiling = Math.min(this.#options.maxRetry, this.#options.firstRetry * 2 ** this.#attempt);
    const delay = ceiling / 2 + Math.random() * (ceiling / 2);
    this.#attempt += 1;
    this.#setState(State.RETRYING);
    this.#timers.retry = setTimeout(() => this.#connect(), delay);
  }

  #retryNow() {
    if (this.state !== State.RETRYING) return;
    clearTimeout(this.#timers.retry);
    this.#connect();
  }

  #clearTimers() {
    for (const timer of Object.values(this.#timers)) clearTimeout(timer);
  }

  #setState(state) {
    if (state === this.state) return;
    this.state = state;
    for (const listener of this.#listeners) listener(state);
  }
}

/** The ws:// or wss:// URL of `path` on the origin of `base` (a page or script URL). */
export function websocketUrl(path, base) {
  const url = new URL(path, base);
  url.protocol = url.protocol === "https:" ? "wss:" : "ws:";
  return url.href;
}
