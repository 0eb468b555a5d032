// The official client ships no type declarations; the tests drive it as a browser would, loosely typed.
declare module "phoenix" {
  export class Socket {
    constructor(endPoint: string, opts?: Record<string, unknown>);
    [member: string]: any;
  }
  export class Channel {
    [member: string]: any;
  }
  export const Serializer: {
    encode(msg: object, callback: (encoded: any) => void): void;
    decode(raw: any, callback: (msg: any) => void): void;
  };
  export class Presence {
    constructor(channel: Channel, opts?: Record<string, unknown>);
    static syncState(state: object, newState: object, onJoin?: Function, onLeave?: Function): any;
    static syncDiff(state: object, diff: object, onJoin?: Function, onLeave?: Function): any;
    [member: string]: any;
  }
}
