import { type Dynamic, html, type Rendered, raw, type Safe } from "../render/rendered.js";
import { attributes, type HtmlAttributes } from "./attributes.js";

/** Error messages by field name (one message or several). */
export type FormErrors = Readonly<Record<string, string | readonly string[] | undefined>>;

/** Options of {@link toForm} and {@link form}. */
export interface FormOptions {
  /**
   * The values the form shows: the form's params as the last `phx-change`/`phx-submit` sent them (for a
   * form with `as: "user"`, the event value's `user`), or initial values (`{}` for an empty form).
   */
  readonly for: Readonly<Record<string, unknown>>;
  /** Field names nest under this (`user[email]`, id `user_email`); the form's default id. */
  readonly as?: string;
  /** Error messages by field; each is shown only once the user has used that field (see {@link usedInput}). */
  readonly errors?: FormErrors;
}

/** One field of a {@link Form}: what an input needs. */
export interface FormField {
  /** The field's key in the form's values. */
  readonly field: string;
  /** The input's `name`: `email`, or `user[email]` under `as`. */
  readonly name: string;
  /** The input's `id`: `email`, or `user_email` under `as`. */
  readonly id: string;
  /** The current value (what the user typed, or the initial value). */
  readonly value: unknown;
  /** The field's errors to show: empty until the user has used the field. */
  readonly errors: readonly string[];
  /** Whether the user has used (focused and changed, or submitted) the field. */
  readonly used: boolean;
}

/**
 * A form's values and errors with its field names worked out, as Phoenix's `to_form`: `f.field("email")`
 * gives the name, id, value and visible errors of an input.
 */
export class Form {
  readonly values: Readonly<Record<string, unknown>>;
  readonly as: string | undefined;
  readonly #errors: FormErrors;

  constructor(opts: FormOptions) {
    if (typeof opts !== "object" || opts === null) throw new TypeError("form: expected options");
    if (typeof opts.for !== "object" || opts.for === null || Array.isArray(opts.for))
      throw new TypeError("form: `for` must be an object of values (e.g. {} or the event's value)");
    if (opts.as !== undefined && (typeof opts.as !== "string" || !/^[\w-]+$/.test(opts.as)))
      throw new TypeError(
        `form: as must be a name of letters, digits, "_" or "-", got ${JSON.stringify(opts.as)}`,
      );
    this.values = opts.for;
    this.as = opts.as;
    this.#errors = opts.errors ?? {};
  }

  /** The field `field` of this form. */
  field(field: string): FormField {
    if (typeof field !== "string" || field === "" || /[[\]\s]/.test(field))
      throw new TypeError(`form: ${JSON.stringify(field)} is not a field name`);
    const used = usedParam(this.values, field);
    const given = this.#errors[field];
    const all = given === undefined ? [] : typeof given === "string" ? [given] : [...given];
    return {
      field,
      name: this.as === undefined ? field : `${this.as}[${field}]`,
      id: this.as === undefined ? field : `${this.as}_${field}`,
      value: Object.hasOwn(this.values, field) ? this.values[field] : undefined,
      errors: used ? all : [],
      used,
    };
  }

  /** An input for `field` (see {@link input}). */
  input(field: string, opts?: InputOptions): Rendered {
    return input(this.field(field), opts);
  }
}

/** Makes a {@link Form} from values and errors, for use with {@link input} outside {@link form}. */
export function toForm(opts: FormOptions): Form {
  return new Form(opts);
}

/**
 * Whether the user has used a field, as LiveView 1.x's `used_input?`: the official client sends an empty
 * `_unused_<name>` param beside each input the user has not focused and changed, until the form is
 * submitted. A field missing from the values (a fresh form) is unused too. Show errors only for used
 * fields, so a half-filled form does not shout about the fields the user has not reached yet.
 */
export function usedInput(field: FormField): boolean {
  return field.used;
}

function usedParam(values: Readonly<Record<string, unknown>>, field: string): boolean {
  if (field.startsWith("_unused_") || !Object.hasOwn(values, field)) return false;
  if (Object.hasOwn(values, `_unused_${field}`)) return false;
  const value = values[field];
  if (typeof value === "object" && value !== null && !Array.isArray(value)) {
    const nested = value as Record<string, unknown>;
    return Object.keys(nested).some((k) => usedParam(nested, k));
  }
  return true;
}

/** Options of {@link form}. */
export interface FormElementOptions extends FormOptions {
  /** The `phx-change` binding: an event name or a `JS` chain. */
  readonly phxChange?: string | Safe;
  /** The `phx-submit` binding: an event name or a `JS` chain. */
  readonly phxSubmit?: string | Safe;
  /** The form's id (default: `as`). Form recovery after a reconnect needs one. */
  readonly id?: string;
  /** More attributes of the `<form>`. */
  readonly attrs?: HtmlAttributes;
}

/**
 * A `<form>` with its LiveView bindings, and its fields worked out for `content`:
 *
 * ```ts
 * form({ for: assigns.values, as: "user", errors: assigns.errors, phxChange: "validate", phxSubmit: "save" }, (f) =>
 *   html`${f.input("email", { type: "email", label: "Email" })}<button>Save</button>`)
 * ```
 *
 * Handle `validate` by assigning the event's `user` as the new values and the errors you find: each
 * input shows its errors only once the user has used it (see {@link usedInput}).
 */
export function form(opts: FormElementOptions, content: Dynamic | ((f: Form) => Dynamic)): Rendered {
  const f = new Form(opts);
  const id = opts.id ?? f.as;
  const attrs = attributes(
    { id, "phx-change": opts.phxChange, "phx-submit": opts.phxSubmit, ...(opts.attrs ?? {}) },
    "form",
  );
  const inner = typeof content === "function" ? content(f) : content;
  return html`<form${attrs}>${inner}</form>`;
}

/** Options of {@link input}. */
export interface InputOptions {
  /** `text` (default), `email`, `password`, `number`, `hidden`, ..., or `checkbox`, `textarea`, `select`. */
  readonly type?: string;
  /** A `<label for>` before the input. */
  readonly label?: Dynamic;
  /** For `select`: the options, as values or `[label, value]` pairs. */
  readonly options?: readonly (string | readonly [string, string])[];
  /** For `select`: a first, empty option with this label. */
  readonly prompt?: string;
  /** More attributes of the input (`class`, `placeholder`, `phx-debounce`, ...). */
  readonly attrs?: HtmlAttributes;
}

/**
 * A label (when given), the input for `field` with its `name`, `id` and current value, and the field's
 * visible errors (see {@link errorList}). A checkbox sends `"true"` when checked and `"false"` when not
 * (a hidden input before it, as Phoenix renders it).
 */
export function input(field: FormField, opts: InputOptions = {}): Rendered {
  const type = opts.type ?? "text";
  if (typeof type !== "string" || !/^[a-z-]+$/.test(type))
    throw new TypeError(`input: ${JSON.stringify(type)} is not an input type`);
  const invalid = field.errors.length > 0;
  const attrs = attributes({ "aria-invalid": invalid ? "true" : undefined, ...(opts.attrs ?? {}) }, "input");
  const label = opts.label === undefined ? "" : html`<label for="${field.id}">${opts.label}</label>`;
  const value = field.value;
  let control: Rendered;
  if (type === "checkbox") {
    const checked = value === true || value === "true" || value === "on";
    control = html`<input type="hidden" name="${field.name}" value="false"><input type="checkbox" name="${field.name}" id="${field.id}" value="true"${checked ? raw(" checked") : ""}${attrs}>`;
  } else if (type === "textarea") {
    // The newline after the tag is dropped by HTML parsers, so a value starting with one keeps it.
    control = html`<textarea name="${field.name}" id="${field.id}"${attrs}>\n${text(value)}</textarea>`;
  } else if (type === "select") {
    const current = text(value);
    const options = (opts.options ?? []).map((o) => {
      const [optLabel, optValue] = typeof o === "string" ? [o, o] : o;
      return html`<option value="${optValue}"${optValue === current ? raw(" selected") : ""}>${optLabel}</option>`;
    });
    const prompt = opts.prompt === undefined ? "" : html`<option value="">${opts.prompt}</option>`;
    control = html`<select name="${field.name}" id="${field.id}"${attrs}>${prompt}${options}</select>`;
  } else {
    control = html`<input type="${type}" name="${field.name}" id="${field.id}" value="${text(value)}"${attrs}>`;
  }
  return html`${label}${control}${errorList(field)}`;
}

/**
 * The field's visible errors, one `<p class="error" data-for="<id>">` each; nothing until the user has
 * used the field.
 */
export function errorList(field: FormField): Rendered[] {
  return field.errors.map((msg) => html`<p class="error" data-for="${field.id}">${msg}</p>`);
}

function text(value: unknown): string {
  if (value === undefined || value === null) return "";
  if (typeof value === "string") return value;
  if (typeof value === "number" || typeof value === "bigint" || typeof value === "boolean")
    return String(value);
  return "";
}
