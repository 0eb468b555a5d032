#!/usr/bin/env node
// Runs the generator from its build, building it first when run from a fresh clone of the Cinder repository
// (`node packages/create-cinder my-app` right after `npm install`).
import { run } from "./launch.js";

await run("create");
