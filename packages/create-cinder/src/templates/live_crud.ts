import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import type { Field, Resource } from "../resource.js";

const DIR = new URL("../../gen/live/", import.meta.url);

/** A field's label: `due_date` -> "Due date". */
const label = (f: Field) => f.name[0].toUpperCase() + f.name.slice(1).replace(/_/g, " ");

/** The code each `/*fields:...*\/` marker of the templates stands for. */
function fieldSnippets(r: Resource): Record<string, string> {
  const fs = r.fields;
  const castLine = (f: Field): string => {
    switch (f.type) {
      case "string":
      case "text":
        return `const ${f.name} = text("${f.name}");\n  if (${f.name} === "") errors.${f.name} = "can't be blank";`;
      case "integer":
        return (
          `const ${f.name} = Number(text("${f.name}"));\n` +
          `  if (text("${f.name}") === "" || !Number.isInteger(${f.name})) errors.${f.name} = "must be a whole number";`
        );
      case "boolean":
        return `const ${f.name} = values.${f.name} === "true" || values.${f.name} === true;`;
    }
  };
  const input = (f: Field): string => {
    const type = { string: "text", text: "textarea", integer: "number", boolean: "checkbox" }[f.type];
    return `\n    \${f.input("${f.name}", { type: "${type}", label: "${label(f)}" })}`;
  };
  const sample = (f: Field): string =>
    f.type === "integer"
      ? `${f.name}: "42"`
      : f.type === "boolean"
        ? `${f.name}: "true"`
        : `${f.name}: "some ${f.name}"`;
  const invalid = fs.filter((f) => f.type !== "boolean");
  const firstText = fs.find((f) => f.type === "string" || f.type === "text");
  return {
    "fields:type": fs
      .map(
        (f) =>
          `readonly ${f.name}: ${{ string: "string", text: "string", integer: "number", boolean: "boolean" }[f.type]};`,
      )
      .join("\n  "),
    "fields:cast": fs.map(castLine).join("\n  "),
    "fields:attrs": fs.map((f) => f.name).join(", "),
    "fields:inputs": fs.map(input).join(""),
    "fields:th": fs.map((f) => `<th>${label(f)}</th>`).join(""),
    "fields:td": fs.map((f) => `\n        <td>\${String(row.${f.name})}</td>`).join(""),
    "fields:dl": fs.map((f) => `\n    <dt>${label(f)}</dt><dd>\${String(row.${f.name})}</dd>`).join(""),
    "fields:sample": fs.map(sample).join(", "),
    "fields:sampleText": JSON.stringify(firstText === undefined ? "Show" : `some ${firstText.name}`),
    "fields:invalid": invalid.map((f) => `${f.name}: "${f.type === "integer" ? "x" : " "}"`).join(", "),
    "fields:invalidMessage": JSON.stringify(
      invalid.length === 0
        ? ""
        : invalid[0].type === "integer"
          ? "must be a whole number"
          : "can&#39;t be blank",
    ),
  };
}

function fill(file: string, r: Resource): string {
  let text = readFileSync(fileURLToPath(new URL(file, DIR)), "utf8");
  // A block only for resources with a field that can be invalid (all-boolean forms cannot).
  const canBeInvalid = r.fields.some((f) => f.type !== "boolean");
  text = text.replace(/ *\/\*if:invalid\*\/\n([\s\S]*?) *\/\*end:invalid\*\/\n/g, canBeInvalid ? "$1" : "");
  for (const [marker, code] of Object.entries(fieldSnippets(r)))
    text = text.replaceAll(`/*${marker}*/`, code);
  return text
    .replaceAll("__Pascal__", r.pascal)
    .replaceAll("__PLURAL__", r.plural.toUpperCase())
    .replaceAll("__plural__", r.plural)
    .replaceAll("__snake__", r.snake)
    .replaceAll("__camel__", r.camel)
    .replaceAll("__Human__", r.human[0].toUpperCase() + r.human.slice(1))
    .replaceAll("__human__", r.human);
}

export const storeModule = (r: Resource) => fill("store.ts", r);
export const formComponent = (r: Resource) => fill("form.ts", r);
export const indexView = (r: Resource) => fill("index_view.ts", r);
export const showView = (r: Resource) => fill("show_view.ts", r);
export const testModule = (r: Resource) => fill("test.ts", r);
