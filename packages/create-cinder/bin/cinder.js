#!/usr/bin/env node
// `npx cinder gen.live Post posts title:string body:text` inside an app made by create-cinder.
import { run } from "./launch.js";

await run("cinder");
