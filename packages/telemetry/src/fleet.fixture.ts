// A fleet stream reader for tests: real HTTP against a real server, updates handed out one by one.
import { request as httpRequest, type IncomingMessage } from "node:http";
import type { FleetUpdate } from "./fleet-stream.js";

/** A subscription to a fleet stream: its status, then each update as it comes. */
export interface Reader {
  readonly status: number;
  readonly body: string;
  next(): Promise<FleetUpdate>;
  close(): void;
}

/** Opens `url` with `token` (as a bearer) and resolves once the answer's head arrived. */
export function readFleet(url: string, token?: string): Promise<Reader> {
  return new Promise((resolve, reject) => {
    const headers = token === undefined ? {} : { authorization: `Bearer ${token}` };
    const req = httpRequest(url, { headers }, (res: IncomingMessage) => {
      const queue: FleetUpdate[] = [];
      const waiting: Array<(u: FleetUpdate) => void> = [];
      let text = "";
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => {
        if (res.statusCode !== 200) {
          body += chunk;
          return;
        }
        text += chunk;
        let end = text.indexOf("\n\n");
        while (end >= 0) {
          const update = JSON.parse(text.slice("data: ".length, end)) as FleetUpdate;
          text = text.slice(end + 2);
          const waiter = waiting.shift();
          if (waiter) waiter(update);
          else queue.push(update);
          end = text.indexOf("\n\n");
        }
      });
      const reader: Reader = {
        status: res.statusCode ?? 0,
        get body() {
          return body;
        },
        next: () => {
          const ready = queue.shift();
          return ready ? Promise.resolve(ready) : new Promise((r) => waiting.push(r));
        },
        close: () => req.destroy(),
      };
      if (res.statusCode === 200) resolve(reader);
      else res.on("end", () => resolve(reader));
    });
    req.on("error", reject);
    req.end();
  });
}
