// Placeholder until the deploy demo lands: a tiny actors example that prints what it does.
import { call, reply, send, spawn } from "@cinder/actors";

const counter = spawn(
  {
    init: (start: number) => start,
    handleInfo: (msg: "inc", n: number) => (msg === "inc" ? n + 1 : n),
    handleCall: (_req: "get", _from, n: number) => reply(n, n),
  },
  0,
);
for (let i = 0; i < 3; i++) send(counter, "inc");
console.log(`counter ${counter} says ${await call(counter, "get")}`);
