// The official client ships no type declarations; the tests drive it as a browser would, loosely typed.
declare module "phoenix" {
  export class Socket {
    constructor(endPoint: string, opts?: Record<string, unknown>);
    [member: string]: any;
  }
  export class Channel {
    [member: string]: any;
  }
}
