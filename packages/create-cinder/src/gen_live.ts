import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { type Field, parseFields, type Resource, resourceNames } from "./resource.js";
import { formComponent, indexView, showView, storeModule, testModule } from "./templates/live_crud.js";

/** Where generated routes and children go in `src/app.ts`. */
const ROUTES_MARK = "// cinder:routes";
const CHILDREN_MARK = "// cinder:children";
const IMPORTS_MARK = "// cinder:imports";
const VIEWS_MARK = "// cinder:views";

/**
 * `cinder gen.live Post posts title:string body:text`, as Phoenix's `mix phx.gen.live`: writes an in-memory
 * store process, an index view with a stream and a form component (new and edit), a show view and their
 * tests under `src/<plural>/` and `test/`, and wires the routes and the store into `src/app.ts`.
 */
export function genLive(app: string, singular: string, plural: string, fieldSpecs: readonly string[]): void {
  const appFile = join(app, "src/app.ts");
  if (!existsSync(appFile))
    throw new Error("cinder gen.live: run it in an app made by create-cinder (no src/app.ts here)");
  const fields: Field[] = parseFields(fieldSpecs);
  const r: Resource = resourceNames(singular, plural, fields);
  const dir = join(app, "src", r.plural);
  if (existsSync(dir)) throw new Error(`cinder gen.live: src/${r.plural} exists already`);
  let source = readFileSync(appFile, "utf8");
  for (const mark of [ROUTES_MARK, CHILDREN_MARK, IMPORTS_MARK, VIEWS_MARK]) {
    if (!source.includes(mark)) throw new Error(`cinder gen.live: src/app.ts lost its "${mark}" line`);
  }
  mkdirSync(dir);
  const files: [string, string][] = [
    [join(dir, `${r.snake}_store.ts`), storeModule(r)],
    [join(dir, `${r.snake}_form.ts`), formComponent(r)],
    [join(dir, `${r.snake}_index_view.ts`), indexView(r)],
    [join(dir, `${r.snake}_show_view.ts`), showView(r)],
    [join(app, "test", `${r.plural}.test.ts`), testModule(r)],
  ];
  for (const [path, text] of files) writeFileSync(path, text);

  const index = `${r.camel}Index`;
  const show = `${r.pascal}ShowView`;
  source = source
    .replace(
      IMPORTS_MARK,
      `import { ${r.camel}IndexView } from "./${r.plural}/${r.snake}_index_view.js";\n` +
        `import { ${show} } from "./${r.plural}/${r.snake}_show_view.js";\n` +
        `import { start${r.pascal}Store } from "./${r.plural}/${r.snake}_store.js";\n${IMPORTS_MARK}`,
    )
    .replace(VIEWS_MARK, `const ${index} = ${r.camel}IndexView(pubsub);\n  ${VIEWS_MARK}`)
    .replace(
      ROUTES_MARK,
      `"/${r.plural}": ${index},\n      "/${r.plural}/new": ${index},\n      "/${r.plural}/:id/edit": ${index},\n` +
        `      "/${r.plural}/:id": ${show},\n      ${ROUTES_MARK}`,
    )
    .replace(
      CHILDREN_MARK,
      `{ id: "${r.plural}", start: () => start${r.pascal}Store(pubsub) },\n      ${CHILDREN_MARK}`,
    );
  writeFileSync(appFile, source);
  console.log(
    [
      ...files.map(([p]) => `* created ${p.slice(app.length + 1)}`),
      "* updated src/app.ts (routes and store)",
    ].join("\n"),
  );
  console.log(`\nOpen /${r.plural} (npm run dev), and run npm test.`);
}
