/** The field types `gen.live` knows, and how each is stored and entered. */
export const FIELD_TYPES = {
  string: { ts: "string", input: "text" },
  text: { ts: "string", input: "textarea" },
  integer: { ts: "number", input: "number" },
  boolean: { ts: "boolean", input: "checkbox" },
} as const;

export type FieldType = keyof typeof FIELD_TYPES;

/** One `name:type` of the command line. */
export interface Field {
  readonly name: string;
  readonly type: FieldType;
}

/** The names a resource is written with: `Post`, `post`, `posts`. */
export interface Resource {
  readonly pascal: string;
  readonly camel: string;
  readonly snake: string;
  readonly plural: string;
  readonly human: string;
  readonly fields: readonly Field[];
}

const IDENT = /^[a-z][a-z0-9_]*$/;

/** Parses `title:string body:text`; a field is a lowercase identifier, a type one of {@link FIELD_TYPES}. */
export function parseFields(specs: readonly string[]): Field[] {
  if (specs.length === 0) throw new Error("cinder gen.live: give at least one field, e.g. title:string");
  const seen = new Set<string>();
  return specs.map((spec) => {
    const [name, type = "string", extra] = spec.split(":");
    if (extra !== undefined || !IDENT.test(name) || name === "id")
      throw new Error(`cinder gen.live: bad field ${JSON.stringify(spec)} (want name:type, name not "id")`);
    if (!(type in FIELD_TYPES))
      throw new Error(
        `cinder gen.live: unknown type ${JSON.stringify(type)} (one of ${Object.keys(FIELD_TYPES).join(", ")})`,
      );
    if (seen.has(name)) throw new Error(`cinder gen.live: field ${name} given twice`);
    seen.add(name);
    return { name, type: type as FieldType };
  });
}

/** Checks and derives the names: `Post posts` -> Post, post, posts. */
export function resourceNames(singular: string, plural: string, fields: readonly Field[]): Resource {
  if (!/^[A-Z][A-Za-z0-9]*$/.test(singular))
    throw new Error(
      `cinder gen.live: the singular name is PascalCase, e.g. Post (got ${JSON.stringify(singular)})`,
    );
  if (!IDENT.test(plural))
    throw new Error(
      `cinder gen.live: the plural name is lowercase, e.g. posts (got ${JSON.stringify(plural)})`,
    );
  const snake = singular.replace(/([a-z0-9])([A-Z])/g, "$1_$2").toLowerCase();
  return {
    pascal: singular,
    camel: singular[0].toLowerCase() + singular.slice(1),
    snake,
    plural,
    human: snake.replace(/_/g, " "),
    fields,
  };
}
